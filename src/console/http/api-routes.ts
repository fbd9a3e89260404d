import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { KeyRing } from '../../api/keys';
import { CHANNELS } from '../../config/schema';
import { AppError } from '../../lib/errors';
import { plainText } from '../../lib/sms-text-schema';
import type { ConsoleAccounts } from '../accounts';
import type { LoginRateLimit } from '../login-guard';
import { newPassword } from '../passwords';
import { ROLES } from '../port';
import type { EventStreams } from '../live/sse';
import { parseTypes } from '../live/events-route';
import type { SessionSigner } from '../session';
import { maskNumbers, type ConsoleGuard } from './guard';
import { maskNumber } from '../../lib/mask';
import type { NoAudio } from '../attempt-audio';

/** Audio the console can play: prompt files, a code rendered in a language, what a simulated call played. */
export interface ConsoleAudio {
  languages(): Array<{ lang: string; name: string; prompts: Array<{ id: string; ms: number }> }>;
  prompt(lang: string, id: string): Buffer | undefined;
  code(lang: string, code: string): Buffer | undefined;
  /** What a voice attempt played (console/attempt-audio.ts), or why there is nothing to play. */
  heard(verificationId: string, attempt: number): Promise<HeardAudio | NoAudio | 'record-gone'>;
}

export interface HeardAudio {
  wav: Buffer;
  digits: 'spoken' | 'withheld';
  ended: string;
  source: 'simulator' | 'render';
}

const NO_AUDIO: Record<NoAudio | 'record-gone', string> = {
  'no-such-attempt': 'No such attempt',
  'not-a-voice-call': 'Only voice calls play a code',
  'not-answered': 'The call was not answered: nothing was played',
  'still-running': 'The attempt is still running',
  'nothing-played': 'An answering machine took the call and nothing was played (amd: hangup)',
  'record-gone': "The verification's record has left the store (store.retentionSeconds): its audio cannot be rendered any more",
};

export interface ConsoleApiDeps {
  guard: ConsoleGuard;
  signer: SessionSigner;
  accounts: ConsoleAccounts;
  limiter: LoginRateLimit;
  keys: KeyRing;
  streams: EventStreams;
  audio: ConsoleAudio;
  /** Any key's verification from the history (the console's timeline). */
  detail(id: string): Promise<Record<string, unknown> | undefined>;
  now(): number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const loginBody = z.strictObject({ username: z.string().regex(NAME), password: z.string().min(1).max(200) });
// no password: one is made and shown once in the answer
const operatorBody = z.strictObject({ username: z.string().regex(NAME), role: z.enum(ROLES), password: z.string().max(200).optional() });
const operatorChange = z.strictObject({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional(), unlock: z.boolean().optional() });
const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
  beforeId: z.string().max(64).optional(),
  actor: z.string().max(64).optional(),
  action: z.string().min(1).max(64).optional(),
  since: z.coerce.number().int().nonnegative().optional(),
});
const keyBody = z.strictObject({
  id: z.string().regex(NAME),
  name: plainText(100),
  channels: z.array(z.enum(CHANNELS)).min(1),
  admin: z.boolean().default(false),
  reports: z.boolean().default(false),
});

export function consoleApiRoutes(app: FastifyInstance, deps: ConsoleApiDeps): void {
  const { guard, accounts } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const wav = (buf: Buffer | undefined) => {
    if (!buf) throw new AppError('ROUTE_NOT_FOUND', { message: 'No such audio' });
    return buf;
  };

  r.post('/console/api/login', { schema: { hide: true, body: loginBody } }, async (request, reply) => {
    guard.sameOrigin(request);
    if (!(await deps.limiter.take(request.ip, deps.now()))) throw new AppError('CONSOLE_LOGIN_RATE');
    const op = await accounts.login(request.body.username, request.body.password, request.ip);
    const session = deps.signer.newSession(op, deps.now());
    guard.issue(request, reply, session);
    return { user: op.username, role: op.role, csrf: session.csrf };
  });
  r.get('/console/api/session', { schema: { hide: true } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'viewer');
    return { user: s.user, role: s.role, csrf: s.csrf };
  });
  r.post('/console/api/logout', { schema: { hide: true } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'viewer');
    await accounts.logout({ id: s.op, username: s.user });
    guard.clear(request, reply);
    return { ok: true };
  });

  r.get('/console/api/events', { schema: { hide: true, querystring: z.strictObject({ trunk: z.string().regex(NAME).optional(), key: z.string().regex(NAME).optional(), types: z.string().max(500).optional() }) } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'viewer');
    const types = parseTypes(request.query.types);
    if (deps.streams.full()) throw new AppError('EVENT_STREAMS_FULL');
    const cookie = reply.getHeader('set-cookie');
    deps.streams.serve(request, reply, { keyId: request.query.key, trunk: request.query.trunk, types, hideNumbers: s.role === 'viewer' }, typeof cookie === 'string' ? { 'set-cookie': cookie } : {});
  });

  r.get('/console/api/verification/:id', { schema: { hide: true, params: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/) }) } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'viewer');
    const found = await deps.detail(request.params.id).catch(() => {
      throw new AppError('HISTORY_UNAVAILABLE');
    });
    if (!found) throw new AppError('VERIFICATION_NOT_FOUND');
    return s.role === 'viewer' ? maskNumbers(found, maskNumber) : found;
  });
  r.get('/console/api/prompts', { schema: { hide: true } }, async (request, reply) => {
    await guard.require(request, reply, 'viewer');
    return { languages: deps.audio.languages() };
  });
  r.get('/console/api/prompts/:lang/:id', { schema: { hide: true, params: z.object({ lang: z.string().max(20), id: z.string().max(64) }) } }, async (request, reply) => {
    await guard.require(request, reply, 'viewer');
    return reply.type('audio/wav').header('cache-control', 'private, max-age=3600').send(wav(deps.audio.prompt(request.params.lang, request.params.id)));
  });
  r.get('/console/api/render', { schema: { hide: true, querystring: z.strictObject({ lang: z.string().max(20), code: z.string().regex(/^[0-9]{1,20}$/) }) } }, async (request, reply) => {
    await guard.require(request, reply, 'viewer');
    return reply.type('audio/wav').header('cache-control', 'no-store').send(wav(deps.audio.code(request.query.lang, request.query.code)));
  });
  // What a voice attempt played, the code while it is sealed (silence in its place after): operators and admins only.
  r.get('/console/api/heard/:id/:n', { schema: { hide: true, params: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/), n: z.coerce.number().int().min(1).max(20) }) } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'operator');
    const heard = await deps.audio.heard(request.params.id, request.params.n);
    if (typeof heard === 'string') throw new AppError('ROUTE_NOT_FOUND', { message: NO_AUDIO[heard], details: { reason: heard } });
    if (heard.digits === 'spoken') await accounts.audit(s.user, 'audio.heard', `${request.params.id}/${request.params.n}`, 200, { source: heard.source });
    return reply.type('audio/wav').header('cache-control', 'no-store').header('x-pbxverify-digits', heard.digits).header('x-pbxverify-ended', heard.ended).send(heard.wav);
  });

  r.get('/console/api/keys', { schema: { hide: true } }, async (request, reply) => {
    await guard.require(request, reply, 'operator');
    const made = new Map((await accounts.consoleKeys()).map((k) => [k.id, k]));
    const live = deps.keys.list().filter((k) => !k.id.startsWith('console.'));
    return {
      keys: [
        ...live.map((k) => ({ id: k.id, name: k.name ?? '', channels: k.allowedChannels, admin: k.admin === true, reports: k.reports === true, source: made.has(k.id) ? 'console' : 'config', disabled: k.disabled, revoked: false, createdBy: made.get(k.id)?.createdBy ?? null })),
        ...[...made.values()].filter((k) => k.revokedAt !== null).map((k) => ({ id: k.id, name: k.name, channels: k.channels, admin: k.admin, reports: k.reports, source: 'console', disabled: true, revoked: true, createdBy: k.createdBy })),
      ],
    };
  });
  r.post('/console/api/keys', { schema: { hide: true, body: keyBody } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'admin');
    const { key, secret } = await accounts.createKey(s.user, deps.keys, request.body);
    // the one time the secret is shown; it is kept only as a digest
    return { id: key.id, secret, authorization: `Bearer ${key.id}:${secret}` };
  });
  r.delete('/console/api/keys/:id', { schema: { hide: true, params: z.object({ id: z.string().regex(NAME) }) } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'admin');
    await accounts.revokeKey(s.user, deps.keys, request.params.id);
    return { revoked: request.params.id };
  });

  r.get('/console/api/operators', { schema: { hide: true } }, async (request, reply) => {
    await guard.require(request, reply, 'admin');
    const now = deps.now();
    return { operators: (await accounts.listOperators()).map((o) => ({ username: o.username, role: o.role, disabled: o.disabled, locked: o.lockedUntil > now, createdAt: o.createdAt })) };
  });
  r.post('/console/api/operators', { schema: { hide: true, body: operatorBody } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'admin');
    const made = request.body.password === undefined ? newPassword() : undefined;
    const op = await accounts.addOperator(s.user, request.body.username, request.body.role, made ?? request.body.password ?? '');
    return { username: op.username, role: op.role, ...(made !== undefined ? { password: made } : {}) };
  });
  r.post('/console/api/operators/:username', { schema: { hide: true, params: z.object({ username: z.string().regex(NAME) }), body: operatorChange } }, async (request, reply) => {
    const s = await guard.require(request, reply, 'admin');
    // an admin cannot lock itself out: another admin changes its role or disables it
    if (request.params.username === s.user && (request.body.role !== undefined || request.body.disabled !== undefined)) {
      throw new AppError('REQUEST_INVALID', { details: { field: request.body.role !== undefined ? 'role' : 'disabled', reason: 'another admin must change your own account' } });
    }
    await accounts.updateOperator(s.user, request.params.username, request.body);
    return { ok: true };
  });
  r.get('/console/api/audit', { schema: { hide: true, querystring: auditQuery } }, async (request, reply) => {
    await guard.require(request, reply, 'admin');
    const { before, beforeId, actor, action, since, limit } = request.query;
    const rows = await accounts.auditLog(limit + 1, before, { beforeId, actor, action, since });
    const entries = rows.slice(0, limit);
    const last = entries.at(-1);
    return { entries, next: rows.length > limit && last ? { before: last.at, beforeId: last.id } : null };
  });
}
