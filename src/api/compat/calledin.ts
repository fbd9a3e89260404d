import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../../lib/errors';
import { idempotencyHeaders } from '../idempotency/idempotency';
import { answerErrorsWith, keyFromToken, paramsOf, stringParam, type CompatDeps, type CompatPlugin } from './common';
import { CALLEDIN_META } from './calledin-callback';
import { assertPlusEncoded } from '../query-number';
import { numberWithCallingCode } from './numbers';
import { ALIAS, CALLEDIN_REVERSE_VERIFY, compatDoc } from './openapi';

/**
 * called.in `reverse_verify` (seed 002): the website shows a code, we call and the user types
 * it on the keypad; the answer is a bare return code, the outcome a GET to `callback_url`
 * (calledin-callback.ts). `api_key` is `<key id>:<secret>`.
 */
const PATH = '/compat/calledin/api/reverse_verify';

/** Our codes → called.in return codes. Anything else is 4 (badly formed request). */
const RETURN_CODES: Partial<Record<ErrorCode, number>> = {
  AUTH_MISSING: 1,
  AUTH_INVALID: 1,
  QUOTA_EXCEEDED: 2,
  NUMBER_DO_NOT_CALL: 3,
  KEY_DISABLED: 5,
  NUMBER_FLOOD: 6,
  RANGE_VELOCITY: 6,
  CIRCUIT_OPEN: 6,
  // the same request is still running (Idempotency-Key): try again shortly
  IDEMPOTENCY_KEY_IN_USE: 6,
  // a well-formed number whose area code does not exist or is not served
  NUMBER_INVALID: 7,
  AREA_CODE_NOT_ALLOWED: 7,
  NUMBER_TYPE_NOT_ALLOWED: 7,
  COUNTRY_NOT_ALLOWED: 8,
  NO_ROUTE: 8,
};
const BAD_REQUEST = 4;

/** called.in's documented default caller ID, which means "none given". */
const NO_CALLER_ID = '0000000000';

export function returnCodeFor(err: AppError): number {
  if (err.code === 'NUMBER_INVALID' && err.details?.field === 'country_code') return 8;
  return RETURN_CODES[err.code] ?? BAD_REQUEST;
}

export function calledInRoutes(deps: CompatDeps): CompatPlugin {
  return async (app) => {
    // Always HTTP 200: PHP's file_get_contents() returns false on an error status, and the
    // seed's client then takes `false != 0` as success.
    answerErrorsWith(app, deps, (err) => ({ status: 200, body: returnCodeFor(err), type: 'text/plain; charset=utf-8' }));

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const params = paramsOf(request);
      const key = keyFromToken(deps, params, 'api_key');
      const phone = stringParam(params, 'phone_number', { required: true, max: 20 });
      const country = stringParam(params, 'country_code', { required: true, max: 4 });
      const code = stringParam(params, 'code', { required: true, max: 6 });
      if (!/^[0-9]{1,6}$/.test(code)) throw new AppError('CODE_INVALID_FORMAT', { details: { field: 'code', min: 1, max: 6 } });
      const callbackUrl = stringParam(params, 'callback_url', { required: true, max: 2048 });
      const secret = stringParam(params, 'secret', { max: 30 }) ?? '';
      const callerId = stringParam(params, 'caller_id', { max: 20 });
      if (callerId !== undefined) assertPlusEncoded(callerId, 'caller_id');
      const to = numberWithCallingCode(phone, country);
      await deps.urlGuard.check(callbackUrl);
      await deps.service.start(key, {
        to,
        channel: 'reverse',
        code,
        callerId: callerId === undefined || callerId === NO_CALLER_ID ? undefined : callerId,
        // called.in has no pending state to collide with: a new request is a new call
        replaceActive: true,
        meta: {
          [CALLEDIN_META.url]: callbackUrl,
          [CALLEDIN_META.phone]: phone,
          [CALLEDIN_META.country]: country,
          [CALLEDIN_META.secret]: secret,
        },
      });
      return reply.type('text/plain; charset=utf-8').send('0');
    };
    // A GET that places a call: Idempotency-Key (our addition) is accepted on it too.
    const idempotent = deps.idempotency.route({ keyOf: (request) => keyFromToken(deps, paramsOf(request), 'api_key'), omit: ['api_key'] });
    app.get(`${PATH}/`, { ...compatDoc(CALLEDIN_REVERSE_VERIFY, 'GET', { headers: idempotencyHeaders }), ...idempotent }, handler);
    app.get(PATH, { ...ALIAS, ...idempotent }, handler);
  };
}
