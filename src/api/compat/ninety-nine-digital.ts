import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { ApiKeyConfig } from '../../config/schema';
import { AppError, ERRORS, type ErrorCode } from '../../lib/errors';
import { idempotencyHeaders } from '../idempotency/idempotency';
import { answerErrorsWith, keyFromToken, paramsOf, stringParam, unixSeconds, type CompatDeps, type CompatPlugin } from './common';
import { assertPlusEncoded } from '../query-number';
import { internationalNumber, nationalNumber } from './numbers';
import { compatDoc, NINETY_NINE_CHECK, NINETY_NINE_SEND } from './openapi';

const MULTIPART_OR_FORM = ['multipart/form-data', 'application/x-www-form-urlencoded'];

/**
 * 99 Digital "Verify SMS" (seed 001): send a code by SMS, check it by phone number and code.
 * Form-data (multipart) or urlencoded bodies with `apiKey` = `<key id>:<secret>`. Numbers are
 * national (`0501234567`) in the key's `defaultCountry`. Codes are valid 10 minutes, usable once.
 */
const PREFIX = '/compat/99digital/verify-sms';
const SEND = `${PREFIX}/send`;
const CHECK = `${PREFIX}/check`;

/** The seed's default text (" Your verification code is: ##code## "). */
const DEFAULT_MESSAGE = 'Your verification code is: ##code##';
const PLACEHOLDER = /##code##/g;

/** Send: our codes → `reason` of a FAIL answer. */
const SEND_REASONS: Partial<Record<ErrorCode, number>> = {
  AUTH_MISSING: 2,
  AUTH_INVALID: 2,
  KEY_DISABLED: 2,
  NUMBER_DO_NOT_CALL: 4,
  COUNTRY_NOT_ALLOWED: 4,
  NO_ROUTE: 4,
  AREA_CODE_NOT_ALLOWED: 4,
  NUMBER_TYPE_NOT_ALLOWED: 4,
  NUMBER_FLOOD: 5,
  RANGE_VELOCITY: 5,
  QUOTA_EXCEEDED: 5,
  CIRCUIT_OPEN: 5,
  IDEMPOTENCY_KEY_IN_USE: 5,
  PBX_UNAVAILABLE: 9,
  STORE_UNAVAILABLE: 9,
  CONFLICT_RETRY: 9,
  INTERNAL: 9,
};
/** Any other refusal of a send: a parameter is missing or wrong. */
const SEND_BAD_REQUEST = 3;

/** Check: our codes → `status` of the answer (1 is a correct code). */
const CHECK_STATUSES: Partial<Record<ErrorCode, number>> = {
  VERIFY_ALREADY_APPROVED: 2,
  VERIFY_EXPIRED: 3,
  VERIFY_CODE_EXPIRED: 3,
  VERIFY_CANCELED: 3,
  VERIFY_TOO_MANY_ATTEMPTS: 4,
  // the SMS could not be sent: the code no longer works, as after an expiry
  VERIFY_FAILED: 3,
  VERIFICATION_NOT_FOUND: 5,
  AUTH_MISSING: 7,
  AUTH_INVALID: 7,
  KEY_DISABLED: 7,
  PBX_UNAVAILABLE: 9,
  STORE_UNAVAILABLE: 9,
  CONFLICT_RETRY: 9,
  INTERNAL: 9,
};
const CHECK_BAD_REQUEST = 6;
const CHECK_RESULT = { WRONG: 0, VERIFIED: 1, TOO_MANY: 4 } as const;

/** `0501234567` in the key's country, or E.164 (`+972…`) for a key without one. */
function toE164(raw: string, key: ApiKeyConfig): string {
  // before spaces are dropped: ` 972…` is a +972… whose + the form decoding made a space
  assertPlusEncoded(raw, 'to');
  const compact = raw.replace(/[\s-]/g, '');
  if (compact.startsWith('+')) return internationalNumber(compact);
  if (key.defaultCountry === undefined) {
    throw new AppError('NUMBER_NOT_E164', { message: 'to must be E.164 unless the key has a defaultCountry', details: { field: 'to' } });
  }
  return nationalNumber(compact, key.defaultCountry);
}

export function ninetyNineDigitalRoutes(deps: CompatDeps): CompatPlugin {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { files: 0, fields: 20, fieldSize: 4096, parts: 20 } });
    answerErrorsWith(app, deps, (err, request) => {
      const http = (ERRORS[err.code].status >= 500 ? ERRORS[err.code].status : 200);
      const params = paramsOf(request);
      if (request.routeOptions.url === CHECK) {
        const phone = typeof params.to === 'string' ? params.to : '';
        return { status: http, body: { status: CHECK_STATUSES[err.code] ?? CHECK_BAD_REQUEST, phone, error: err.code, message: err.message } };
      }
      return {
        status: http,
        body: {
          status: 'FAIL',
          unique: null,
          timestamp: unixSeconds(deps.clock.now()),
          from: typeof params.from === 'string' ? params.from : null,
          reason: SEND_REASONS[err.code] ?? SEND_BAD_REQUEST,
          error: err.code,
          message: err.message,
        },
      };
    });

    const idempotent = deps.idempotency.route({ keyOf: (request) => keyFromToken(deps, paramsOf(request), 'apiKey'), omit: ['apiKey'] });
    app.post(SEND, { ...compatDoc(NINETY_NINE_SEND, 'POST', { consumes: MULTIPART_OR_FORM, headers: idempotencyHeaders }), ...idempotent }, async (request) => {
      const params = paramsOf(request);
      const key = keyFromToken(deps, params, 'apiKey');
      const from = stringParam(params, 'from', { max: 11 });
      const to = toE164(stringParam(params, 'to', { required: true, max: 32 }), key);
      const message = stringParam(params, 'message', { max: 480 })?.trim() ?? DEFAULT_MESSAGE;
      if (!message.includes('##code##')) {
        throw new AppError('TEMPLATE_INVALID', { message: 'message must contain ##code##', details: { field: 'message' } });
      }
      const { record } = await deps.service.start(key, {
        to,
        channel: 'sms',
        sender: from,
        messageTemplate: message.replace(PLACEHOLDER, '{code}'),
        expirySeconds: 600,
        // asking again sends a new code; the previous one stops working
        replaceActive: true,
      });
      return { status: 'OK', unique: record.id, timestamp: unixSeconds(record.createdAt), from: record.sender ?? from ?? null, reason: 1 };
    });

    app.post(CHECK, compatDoc(NINETY_NINE_CHECK, 'POST', { consumes: MULTIPART_OR_FORM }), async (request) => {
      const params = paramsOf(request);
      const key = keyFromToken(deps, params, 'apiKey');
      const phone = stringParam(params, 'to', { required: true, max: 32 });
      const code = stringParam(params, 'code', { required: true, max: 64 }).trim();
      const result = await deps.service.checkByNumber(key, toE164(phone, key), code);
      const status = result.verified ? CHECK_RESULT.VERIFIED : result.attemptsRemaining === 0 ? CHECK_RESULT.TOO_MANY : CHECK_RESULT.WRONG;
      return { status, phone };
    });
  };
}
