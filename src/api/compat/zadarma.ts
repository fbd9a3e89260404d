import formbody from '@fastify/formbody';
import type { FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../../lib/errors';
import { idempotencyHeaders } from '../idempotency/idempotency';
import { answerErrorsWith, stringParam, unixSeconds, type CompatDeps, type CompatPlugin } from './common';
import { assertPlusEncoded } from '../query-number';
import { internationalNumber } from './numbers';
import { ALIAS, compatDoc, ZADARMA_CHECKNUMBER } from './openapi';
import { authenticateZadarma } from './zadarma-signature';

/**
 * Zadarma `request/checknumber` (seed 000): a call that speaks the caller's code. Mounted at
 * /compat/zadarma, so a client changes only its base URL: `https://api.zadarma.com` becomes
 * `https://pbxverify.example/compat/zadarma`. Signed like Zadarma's own clients sign
 * (zadarma-signature.ts); GET with a query string (the official clients' default) or POST form.
 */
const PREFIX = '/compat/zadarma';

/** Our codes → Zadarma's answer: HTTP status and message of `{"status":"error","message":…}`. */
const ZADARMA_ERRORS: Partial<Record<ErrorCode, { http: number; message: string }>> = {
  AUTH_MISSING: { http: 401, message: 'Not authorized' },
  AUTH_INVALID: { http: 401, message: 'Not authorized' },
  KEY_DISABLED: { http: 403, message: 'API key is disabled' },
  CUSTOM_CODE_NOT_ALLOWED: { http: 403, message: 'This API key may not send codes (allowCustomCode)' },
  CHANNEL_NOT_ALLOWED: { http: 403, message: 'This API key may not place calls' },
  CALLER_ID_NOT_ALLOWED: { http: 400, message: 'Wrong caller_id: not one of your numbers' },
  CALLER_ID_NOT_IN_POOL: { http: 400, message: 'Wrong caller_id: not one of your numbers' },
  NO_ROUTE: { http: 403, message: 'Calls to this direction are not allowed' },
  NUMBER_NOT_E164: { http: 400, message: 'Wrong number format' },
  NUMBER_INVALID: { http: 400, message: 'Wrong number' },
  CODE_INVALID_FORMAT: { http: 400, message: 'Wrong code: digits only' },
  CODE_LENGTH_INVALID: { http: 400, message: 'Wrong code: at most 20 digits' },
  LANGUAGE_UNSUPPORTED: { http: 400, message: 'Wrong lang' },
  NUMBER_FLOOD: { http: 429, message: 'Too many requests for this number' },
  RANGE_VELOCITY: { http: 429, message: 'Too many requests for this number range' },
  QUOTA_EXCEEDED: { http: 429, message: 'Request limit exceeded' },
  CIRCUIT_OPEN: { http: 429, message: 'Request limit exceeded' },
  NUMBER_DO_NOT_CALL: { http: 403, message: 'Calls to this number are not allowed' },
  COUNTRY_NOT_ALLOWED: { http: 403, message: 'Calls to this direction are not allowed' },
  AREA_CODE_NOT_ALLOWED: { http: 403, message: 'Calls to this direction are not allowed' },
  NUMBER_TYPE_NOT_ALLOWED: { http: 403, message: 'Calls to this number type are not allowed' },
};

/** Zadarma names Ukrainian `ua` (their openapi) where the seed and pbxverify say `uk`. */
const LANGS: Readonly<Record<string, string>> = { ua: 'uk' };

function stringParams(request: FastifyRequest): Record<string, string> {
  const raw = { ...((request.query ?? {}) as Record<string, unknown>), ...((request.body ?? {}) as Record<string, unknown>) };
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new AppError('REQUEST_INVALID', { message: `Wrong parameter ${name}`, details: { field: name } });
    params[name] = value;
  }
  return params;
}

export function zadarmaRoutes(deps: CompatDeps): CompatPlugin {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    answerErrorsWith(app, deps, (err) => {
      const mapped = ZADARMA_ERRORS[err.code] ?? { http: ERRORS[err.code].status, message: err.message };
      return { status: mapped.http, body: { status: 'error', message: mapped.message } };
    });

    const authenticate = (request: FastifyRequest) => {
      const methodPath = (request.url.split('?')[0] as string).slice(PREFIX.length);
      return authenticateZadarma(deps.keys, request.headers.authorization, methodPath, stringParams(request));
    };
    const checknumber = async (request: FastifyRequest) => {
      const params = stringParams(request);
      const key = authenticate(request);
      const callerId = stringParam(params, 'caller_id', { required: true, max: 20 });
      assertPlusEncoded(callerId, 'caller_id');
      const to = internationalNumber(stringParam(params, 'to', { required: true, max: 20 }));
      const code = stringParam(params, 'code', { required: true, max: 64 });
      const lang = stringParam(params, 'lang', { max: 20 });
      const { record } = await deps.service.start(key, {
        to,
        channel: 'call',
        code,
        callerId,
        lang: lang === undefined ? undefined : (LANGS[lang] ?? lang),
        // every request is a call of its own: a new one replaces a call still pending
        replaceActive: true,
      });
      return {
        status: 'success',
        from: Number(callerId.replace(/^\+/, '')),
        to: Number(record.to.slice(1)),
        lang: lang ?? record.lang,
        time: unixSeconds(record.createdAt),
      };
    };
    // Idempotency-Key is our addition: Zadarma's clients never send it.
    const idempotent = deps.idempotency.route({ keyOf: authenticate });
    const url = `${PREFIX}/v1/request/checknumber/`;
    app.get(url, { ...compatDoc(ZADARMA_CHECKNUMBER, 'GET', { headers: idempotencyHeaders }), ...idempotent }, checknumber);
    app.post(url, { ...compatDoc(ZADARMA_CHECKNUMBER, 'POST', { consumes: ['application/x-www-form-urlencoded'], headers: idempotencyHeaders }), ...idempotent }, checknumber);
    app.get(url.slice(0, -1), { ...ALIAS, ...idempotent }, checknumber);
    app.post(url.slice(0, -1), { ...ALIAS, ...idempotent }, checknumber);
  };
}
