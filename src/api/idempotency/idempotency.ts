import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ApiKeyConfig } from '../../config/schema';
import type { Clock } from '../../lib/clock';
import { randomHex } from '../../lib/random';
import type { Store } from '../../store/port';
import { derive } from '../../verification/codes';
import { AppError, ERRORS } from '../../lib/errors';
import { toAppError } from '../error-handler';
import { errorSchema } from '../schemas';
import { Fingerprinter, validKey } from './fingerprint';
import { ResponseSealer, type StoredResponse } from './sealed-response';

/** How long a completed request's response is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/**
 * How long a request holds its key in flight. Far above any creating request's time (Redis
 * reconnects give up after ~10 s); when the engine dies mid-request, a retry waits at most this.
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;

/** The response header that marks a replay. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Response headers kept with a stored response (the rest are per-response: date, length, connection). */
const KEPT_HEADERS = ['content-type', 'location'] as const;

export interface IdempotencyDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The engine secret: fingerprints and sealed responses are keyed from it. */
  secret: string;
  ttlMs?: number;
  leaseMs?: number;
}

export interface IdempotentRouteOptions {
  /**
   * The calling API key. Default: `request.apiKey` (the /v1 authentication hook). Compat routes
   * authenticate in their own way and pass it here; it runs only when the header is present.
   */
  keyOf?: (request: FastifyRequest) => ApiKeyConfig;
  /** Parameters left out of the fingerprint: credentials sent as query or body parameters. */
  omit?: readonly string[];
}

interface Held {
  scope: string;
  key: string;
  fingerprint: string;
  token: string;
  /** False once the outcome is one a retry should run again (5xx, 429). */
  keep: boolean;
}

/** The header as documented in the OpenAPI document (validated by the hook, not the schema). */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .describe(
      'Makes a retry safe: 1–255 printable ASCII characters, unique per operation (a UUID), kept 24 h per API key. ' +
        'The same key with the same request replays the first response (header Idempotent-Replayed: true); ' +
        'with another request: 422 IDEMPOTENCY_KEY_REUSED; while the first is still running: 409 IDEMPOTENCY_KEY_IN_USE.',
    ),
});

/** The idempotency refusals, for a route's OpenAPI responses. */
export const idempotencyResponses = { 409: errorSchema, 422: errorSchema };

/**
 * `Idempotency-Key` for creating requests (docs/api.md "Retries and idempotency"). Routes opt in
 * by spreading {@link IdempotencyKeys.route} into their options: a preHandler reserves the key in
 * the store (after authentication, body parsing and validation), onError notes an outcome that
 * must not be kept, onSend stores the response (sealed) before it goes out, or frees the key.
 *
 * Kept and replayed: every response of a request that reached its handler (2xx, and 4xx the
 * engine decided: a refused number, a pending verification, a bad parameter), except 429 and
 * 5xx, which say "try again" (rate limits, PBX or store unavailable): their key is freed so the
 * retry runs anew. Refusals before the handler (authentication, schema validation, the
 * idempotency errors themselves) are never kept.
 */
export class IdempotencyKeys {
  private readonly held = new WeakMap<FastifyRequest, Held>();
  private readonly fingerprints: Fingerprinter;
  private readonly sealer: ResponseSealer;
  private readonly ttlMs: number;
  private readonly leaseMs: number;

  constructor(private readonly deps: IdempotencyDeps) {
    this.fingerprints = new Fingerprinter(derive(deps.secret, 'pbxverify/idempotency-fingerprint/v1'));
    this.sealer = new ResponseSealer(derive(deps.secret, 'pbxverify/idempotency-seal/v1'));
    this.ttlMs = deps.ttlMs ?? IDEMPOTENCY_TTL_MS;
    this.leaseMs = deps.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  }

  /** Route-level hooks for a creating route: `app.post(url, { schema, ...idempotency.route() }, handler)`. */
  route(opts: IdempotentRouteOptions = {}) {
    return {
      // Answers a replay itself (and returns the reply, as fastify wants for an early answer).
      preHandler: async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
        const raw = request.headers['idempotency-key'];
        if (raw === undefined) return undefined;
        const apiKey = opts.keyOf ? opts.keyOf(request) : request.apiKey;
        return this.reserve(request, reply, apiKey.id, validKey(raw), opts.omit ?? []);
      },
      onError: async (request: FastifyRequest, _reply: FastifyReply, error: unknown): Promise<void> => {
        const held = this.held.get(request);
        if (held && !keepable(ERRORS[toAppError(error).code].status)) held.keep = false;
      },
      onSend: async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
        const held = this.held.get(request);
        if (!held) return payload;
        this.held.delete(request);
        await this.finish(held, reply, payload);
        return payload;
      },
    };
  }

  private async reserve(request: FastifyRequest, reply: FastifyReply, scope: string, key: string, omit: readonly string[]): Promise<FastifyReply | undefined> {
    const fingerprint = this.fingerprints.of(request, omit);
    const token = randomHex(12);
    const found = await this.deps.store.reserveIdempotency(scope, key, { fingerprint, token, now: this.deps.clock.now(), leaseMs: this.leaseMs });
    if (found.state === 'reserved') {
      this.held.set(request, { scope, key, fingerprint, token, keep: true });
      return undefined;
    }
    // Another request under this key: a different one is refused even while the first still runs.
    if (found.fingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED');
    if (found.state === 'in-flight') throw new AppError('IDEMPOTENCY_KEY_IN_USE');
    const stored = this.sealer.unseal(scope, key, found.response);
    // Same fingerprint means same engine secret, so the seal opens unless the entry was damaged.
    if (!stored) throw new AppError('INTERNAL', { message: 'Internal error', cause: new Error('stored idempotent response does not unseal') });
    void reply.code(stored.status);
    for (const [name, value] of Object.entries(stored.headers)) void reply.header(name, value);
    void reply.header(REPLAYED_HEADER, 'true');
    return reply.send(stored.binary ? Buffer.from(stored.body, 'base64') : stored.body);
  }

  /** Stores the response for replays, or frees the key; a store failure never fails the response. */
  private async finish(held: Held, reply: FastifyReply, payload: unknown): Promise<void> {
    const { store, clock } = this.deps;
    const body = typeof payload === 'string' ? { body: payload } : Buffer.isBuffer(payload) ? { body: payload.toString('base64'), binary: true as const } : undefined;
    try {
      if (!held.keep || !keepable(reply.statusCode) || body === undefined) {
        await store.releaseIdempotency(held.scope, held.key, held.token);
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const response: StoredResponse = { status: reply.statusCode, headers, ...body };
      const sealed = this.sealer.seal(held.scope, held.key, response);
      const stored = await store.completeIdempotency(held.scope, held.key, { fingerprint: held.fingerprint, token: held.token, response: sealed, now: clock.now(), ttlMs: this.ttlMs });
      if (!stored) this.deps.logger.warn({ status: reply.statusCode }, 'idempotency key was taken over before the response was stored');
    } catch (err) {
      // The key stays in flight until its lease ends; a retry then runs again.
      this.deps.logger.warn({ err: { message: (err as Error).message }, status: reply.statusCode }, 'could not store the idempotent response');
    }
  }
}

/** 429 and 5xx mean "try again later": a retry must run, not replay them. */
function keepable(status: number): boolean {
  return status < 500 && status !== 429;
}
