import type { FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../../lib/errors';
import { idempotencyHeaders } from '../idempotency/idempotency';
import { answerErrorsWith, isMissing, paramsOf, stringParam, type CompatDeps, type CompatPlugin } from './common';
import { compatDoc, IDENFY_SEND, IDENFY_VERIFY } from './openapi';

/**
 * iDenfy phone verification (seed 003): `send-sms` starts the `sms-call-call` workflow (SMS; after
 * 2 minutes a call with the same code, valid 3 more minutes; then a call with a new code valid
 * 5 minutes), `verify-sms` checks a code. HTTP Basic with a key's id and secret, JSON bodies.
 * Codes have 4 digits: the seed's SMS example ("The Sender code: 1234") and its verify request
 * (`received_code`: "Length 4") say so.
 */
const PREFIX = '/compat/idenfy/fraud';
export const IDENFY_CODE_LENGTH = 4;
/** The seed's SMS text: "The Sender code: 1234. Valid for 5 minutes." ({brand} is sender_name). */
const TEMPLATE = '{brand} code: {code}. Valid for 5 minutes.';

/** Our codes → iDenfy's `{identifier, message}` errors and HTTP status. */
const IDENFY_ERRORS: Partial<Record<ErrorCode, { http: number; identifier: string }>> = {
  AUTH_MISSING: { http: 401, identifier: 'UNAUTHORIZED' },
  AUTH_INVALID: { http: 401, identifier: 'UNAUTHORIZED' },
  KEY_DISABLED: { http: 403, identifier: 'PERMISSIONS_ERROR' },
  CHANNEL_NOT_ALLOWED: { http: 403, identifier: 'PERMISSIONS_ERROR' },
  SENDER_NOT_ALLOWED: { http: 403, identifier: 'PERMISSIONS_ERROR' },
  REQUEST_MALFORMED_JSON: { http: 400, identifier: 'JSON_ERROR' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { http: 400, identifier: 'ENCODING_ERROR' },
  NUMBER_NOT_E164: { http: 400, identifier: 'BAD_VALUE' },
  NUMBER_INVALID: { http: 400, identifier: 'BAD_VALUE' },
  CODE_INVALID_FORMAT: { http: 400, identifier: 'BAD_VALUE' },
  CODE_LENGTH_INVALID: { http: 400, identifier: 'BAD_VALUE' },
  NUMBER_DO_NOT_CALL: { http: 400, identifier: 'BAD_VALUE' },
  COUNTRY_NOT_ALLOWED: { http: 400, identifier: 'BAD_VALUE' },
  NO_ROUTE: { http: 400, identifier: 'BAD_VALUE' },
  AREA_CODE_NOT_ALLOWED: { http: 400, identifier: 'BAD_VALUE' },
  NUMBER_TYPE_NOT_ALLOWED: { http: 400, identifier: 'BAD_VALUE' },
  NUMBER_FLOOD: { http: 429, identifier: 'TOO_MANY_REQUESTS' },
  RANGE_VELOCITY: { http: 429, identifier: 'TOO_MANY_REQUESTS' },
  QUOTA_EXCEEDED: { http: 429, identifier: 'TOO_MANY_REQUESTS' },
  CIRCUIT_OPEN: { http: 429, identifier: 'TOO_MANY_REQUESTS' },
  // Idempotency-Key (our addition): the native statuses, named by our codes
  IDEMPOTENCY_KEY_IN_USE: { http: 409, identifier: 'IDEMPOTENCY_KEY_IN_USE' },
  IDEMPOTENCY_KEY_REUSED: { http: 422, identifier: 'IDEMPOTENCY_KEY_REUSED' },
};

/** Refusals of a check that the seed answers as `is_verified: false`: wrong, used, too many tries. */
const NOT_VERIFIED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VERIFICATION_NOT_FOUND',
  'VERIFY_ALREADY_APPROVED',
  'VERIFY_TOO_MANY_ATTEMPTS',
  'VERIFY_FAILED',
  'VERIFY_EXPIRED',
  'VERIFY_CODE_EXPIRED',
  'VERIFY_CANCELED',
]);

function body(request: FastifyRequest): Record<string, unknown> {
  if (request.body === undefined) throw new AppError('REQUEST_INVALID', { message: 'A JSON body is required', details: { missing: true } });
  return paramsOf(request);
}

export function idenfyRoutes(deps: CompatDeps): CompatPlugin {
  return async (app) => {
    answerErrorsWith(app, deps, (err) => {
      const mapped =
        IDENFY_ERRORS[err.code] ??
        (ERRORS[err.code].status >= 500
          ? { http: 500, identifier: 'INTERNAL_ERROR' }
          : { http: 400, identifier: isMissing(err) ? 'MISSING_VALUE' : 'VALIDATION_ERROR' });
      return { status: mapped.http, body: { identifier: mapped.identifier, message: err.message } };
    });

    const idempotent = deps.idempotency.route({ keyOf: (request) => deps.keys.fromHeader(request.headers.authorization) });
    app.post(`${PREFIX}/send-sms`, { ...compatDoc(IDENFY_SEND, 'POST', { consumes: ['application/json'], headers: idempotencyHeaders }), ...idempotent }, async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      const params = body(request);
      const to = stringParam(params, 'phone_number', { required: true, max: 32 });
      const senderName = stringParam(params, 'sender_name', { max: 11 });
      const { record } = await deps.service.start(key, {
        to,
        workflow: 'sms-call-call',
        codeLength: IDENFY_CODE_LENGTH,
        // The name is the brand as written; as the sender (a SIP From URI user, which carries no
        // spaces: src/lib/sms-text.ts) "The Sender" becomes "TheSender".
        sender: senderName?.replaceAll(' ', ''),
        brand: senderName,
        messageTemplate: TEMPLATE,
        // a new request for the number replaces the pending one
        replaceActive: true,
      });
      return { request_id: record.id };
    });

    app.post(`${PREFIX}/verify-sms`, compatDoc(IDENFY_VERIFY, 'POST', { consumes: ['application/json'] }), async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      const params = body(request);
      const id = stringParam(params, 'request_id', { required: true, max: 40 });
      if (id.length < 32) throw new AppError('REQUEST_INVALID', { message: 'request_id must be 32 to 40 characters', details: { field: 'request_id' } });
      const code = stringParam(params, 'received_code', { required: true, max: 8 });
      if (!new RegExp(`^[0-9]{${IDENFY_CODE_LENGTH}}$`).test(code)) {
        throw new AppError('CODE_LENGTH_INVALID', { message: `received_code must be ${IDENFY_CODE_LENGTH} digits`, details: { field: 'received_code' } });
      }
      // our ids are 32 hex characters; anything else cannot be one of ours
      if (!/^[0-9a-f]{32}$/.test(id)) return { is_verified: false };
      try {
        return { is_verified: (await deps.service.check(key, id, code)).verified };
      } catch (err) {
        if (err instanceof AppError && NOT_VERIFIED.has(err.code)) {
          deps.onRefusal(err.code);
          return { is_verified: false };
        }
        throw err;
      }
    });
  };
}
