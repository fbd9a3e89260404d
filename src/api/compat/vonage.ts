import formbody from '@fastify/formbody';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyConfig } from '../../config/schema';
import { AppError, ERRORS, type ErrorCode } from '../../lib/errors';
import type { KeyRing } from '../keys';
import { idempotencyHeaders } from '../idempotency/idempotency';
import { answerErrorsWith, intParam, isMissing, paramsOf, stringParam, type CompatDeps, type CompatPlugin } from './common';
import { assertPlusEncoded } from '../query-number';
import { internationalNumber, nationalNumber } from './numbers';
import { compatDoc, VONAGE_CHECK, VONAGE_CONTROL, VONAGE_REQUEST, VONAGE_SEARCH } from './openapi';
import { CURRENCY, NO_PRICE, eventId, searchResult } from './vonage-views';
import { vonagePlan } from './vonage-workflows';

/**
 * Vonage (Nexmo) Verify v1 (seed 004): request, check, control (cancel, trigger_next_event) and
 * search, GET or POST, JSON answers with Vonage's string status codes and HTTP 200. Credentials
 * are `api_key` / `api_secret` (a key's id and secret) or HTTP Basic.
 */
const PREFIX = '/compat/vonage/verify';
const ROUTES = { request: `${PREFIX}/json`, check: `${PREFIX}/check/json`, control: `${PREFIX}/control/json`, search: `${PREFIX}/search/json` };

export type VonageEndpoint = keyof typeof ROUTES;

/** Vonage allows three wrong codes. */
const MAX_CHECKS = 3;

/** Our codes → Vonage status, for every endpoint; `MISSING` and `INVALID` cover parameters. */
const COMMON: Partial<Record<ErrorCode, number>> = {
  AUTH_MISSING: 2,
  AUTH_INVALID: 4,
  KEY_DISABLED: 8,
  PBX_UNAVAILABLE: 5,
  STORE_UNAVAILABLE: 5,
  CONFLICT_RETRY: 5,
  INTERNAL: 5,
  // a request with this Idempotency-Key is still running: "throttled", try again shortly
  IDEMPOTENCY_KEY_IN_USE: 1,
};
const BY_ENDPOINT: Readonly<Record<VonageEndpoint, Partial<Record<ErrorCode, number>>>> = {
  request: {
    NUMBER_FLOOD: 1,
    RANGE_VELOCITY: 1,
    CIRCUIT_OPEN: 1,
    CHANNEL_NOT_ALLOWED: 6,
    NUMBER_DO_NOT_CALL: 7,
    QUOTA_EXCEEDED: 9,
    VERIFICATION_ACTIVE_EXISTS: 10,
    COUNTRY_NOT_ALLOWED: 15,
    NO_ROUTE: 15,
    AREA_CODE_NOT_ALLOWED: 15,
    NUMBER_TYPE_NOT_ALLOWED: 15,
    CUSTOM_CODE_NOT_ALLOWED: 20,
  },
  check: {
    VERIFICATION_NOT_FOUND: 6,
    VERIFY_ALREADY_APPROVED: 6,
    VERIFY_EXPIRED: 6,
    VERIFY_CANCELED: 6,
    VERIFY_CHECK_NOT_ALLOWED: 6,
    VERIFY_CODE_EXPIRED: 16,
    VERIFY_TOO_MANY_ATTEMPTS: 17,
    VERIFY_FAILED: 6,
    // Vonage's check and search know no 8: 4 covers "invalid or disabled" there
    KEY_DISABLED: 4,
  },
  control: {
    VERIFICATION_NOT_FOUND: 6,
    VERIFY_ALREADY_APPROVED: 6,
    VERIFY_EXPIRED: 6,
    VERIFY_CANCELED: 6,
    VERIFY_TOO_MANY_ATTEMPTS: 6,
    VERIFY_FAILED: 6,
    VERIFY_NOT_PENDING: 6,
    VERIFY_NO_NEXT_STEP: 19,
  },
  search: { VERIFICATION_NOT_FOUND: 101, KEY_DISABLED: 4 },
};
const MISSING = 2;
const INVALID = 3;

const TEXTS: Readonly<Record<number, string>> = {
  1: 'Throttled',
  4: 'Bad credentials',
  5: 'Internal Error',
  6: 'The Vonage platform was unable to process this message for the following reason: the request was not found or it has been verified already',
  7: 'The number you are trying to verify is blacklisted for verification.',
  8: 'The api_key you supplied is for an account that has been barred from submitting messages.',
  9: 'Partner quota exceeded',
  10: 'Concurrent verifications to the same number are not allowed',
  15: 'The destination number is not in a supported network',
  16: 'The code provided does not match the expected value',
  17: 'The wrong code was provided too many times. Request terminated',
  18: 'Too many request_ids provided',
  19: 'No more events are left to execute for the request',
  20: 'This account does not support the parameter: pin_code.',
  101: 'No response found',
};

function endpointFor(url: string | undefined): VonageEndpoint {
  return (Object.keys(ROUTES) as Array<VonageEndpoint>).find((k) => ROUTES[k] === url) ?? 'request';
}

function endpointOf(request: FastifyRequest): VonageEndpoint {
  return endpointFor(request.routeOptions.url);
}

const DOCS = { request: VONAGE_REQUEST, check: VONAGE_CHECK, control: VONAGE_CONTROL, search: VONAGE_SEARCH } as const;

export function vonageStatus(err: AppError, endpoint: VonageEndpoint): number {
  const status = BY_ENDPOINT[endpoint][err.code] ?? COMMON[err.code];
  if (status !== undefined) return status;
  if (isMissing(err)) return MISSING;
  return ERRORS[err.code].status >= 500 ? 5 : INVALID;
}

function errorText(status: number, err: AppError): string {
  const field = typeof err.details?.field === 'string' ? err.details.field : undefined;
  if (status === MISSING) return `Your request is incomplete and missing the mandatory parameter ${field ?? 'api_key'}`;
  if (status === INVALID) return field && !err.message.includes(field) ? `Invalid value for parameter ${field}: ${err.message}` : err.message;
  return TEXTS[status] ?? err.message;
}

/** `api_key` + `api_secret` (query or body), or HTTP Basic. */
function vonageKey(keys: KeyRing, params: Record<string, unknown>, request: FastifyRequest): ApiKeyConfig {
  const id = stringParam(params, 'api_key', { max: 64 });
  const secret = stringParam(params, 'api_secret', { max: 256 });
  if (id === undefined && secret === undefined && request.headers.authorization) return keys.fromHeader(request.headers.authorization);
  if (id === undefined) throw new AppError('AUTH_MISSING', { details: { field: 'api_key' } });
  if (secret === undefined) throw new AppError('AUTH_MISSING', { details: { field: 'api_secret' } });
  return keys.authenticate(id, secret);
}

/** `sender_id`: an alphanumeric ID or a number, whose + a query string turns into a space. */
function senderId(params: Record<string, unknown>): string | undefined {
  const value = stringParam(params, 'sender_id', { max: 11 });
  if (value !== undefined) assertPlusEncoded(value, 'sender_id');
  return value;
}

function oneOf(value: number | undefined, allowed: readonly number[], field: string): number | undefined {
  if (value !== undefined && !allowed.includes(value)) throw new AppError('REQUEST_INVALID', { message: `must be one of ${allowed.join(', ')}`, details: { field } });
  return value;
}

export function vonageRoutes(deps: CompatDeps): CompatPlugin {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 16 * 1024 });
    answerErrorsWith(app, deps, (err, request) => {
      const status = vonageStatus(err, endpointOf(request));
      const requestId = err.code === 'VERIFICATION_ACTIVE_EXISTS' ? err.details?.id : paramsOf(request).request_id;
      return { status: 200, body: { ...(typeof requestId === 'string' ? { request_id: requestId } : {}), status: String(status), error_text: errorText(status, err) } };
    });
    const route = (url: string, handler: (request: FastifyRequest) => Promise<unknown>): void => {
      const doc = DOCS[endpointFor(url)];
      app.get(url, compatDoc(doc, 'GET'), handler);
      app.post(url, compatDoc(doc, 'POST'), handler);
    };
    // request starts a verification, control may place a call (trigger_next_event): both take
    // an Idempotency-Key (our addition).
    const idempotentRoute = (url: string, handler: (request: FastifyRequest) => Promise<unknown>): void => {
      const doc = DOCS[endpointFor(url)];
      const idempotent = deps.idempotency.route({ keyOf: (request) => vonageKey(deps.keys, paramsOf(request), request), omit: ['api_key', 'api_secret'] });
      app.get(url, { ...compatDoc(doc, 'GET', { headers: idempotencyHeaders }), ...idempotent }, handler);
      app.post(url, { ...compatDoc(doc, 'POST', { headers: idempotencyHeaders }), ...idempotent }, handler);
    };

    idempotentRoute(ROUTES.request, async (request) => {
      const params = paramsOf(request);
      const key = vonageKey(deps.keys, params, request);
      const number = stringParam(params, 'number', { required: true, max: 32 });
      const country = stringParam(params, 'country', { max: 2 });
      const to = country === undefined ? internationalNumber(number, 'number') : nationalNumber(number, country.toUpperCase(), 'number');
      const brand = stringParam(params, 'brand', { required: true, max: 18 });
      const requireType = stringParam(params, 'require_type', { max: 10 });
      if (requireType !== undefined && requireType !== 'All') throw new AppError('REQUEST_INVALID', { message: 'require_type is not supported', details: { field: 'require_type' } });
      const pinCode = stringParam(params, 'pin_code', { max: 20 });
      const plan = vonagePlan(intParam(params, 'workflow_id', 1, 7) ?? 1, {
        pinExpiry: intParam(params, 'pin_expiry', 60, 3600),
        nextEventWait: intParam(params, 'next_event_wait', 60, 900),
      });
      const { record } = await deps.service.start(key, {
        to,
        workflow: plan.name,
        steps: plan.steps,
        codeLifetimeSeconds: plan.pinExpiry,
        maxChecks: MAX_CHECKS,
        code: pinCode,
        codeLength: pinCode === undefined ? (oneOf(intParam(params, 'code_length', 4, 6), [4, 6], 'code_length') ?? 4) : undefined,
        brand,
        sender: senderId(params),
        lang: stringParam(params, 'lg', { max: 10 }),
        // Vonage refuses a second request for a number with status 10
        replaceActive: false,
      });
      return { request_id: record.id, status: '0' };
    });

    route(ROUTES.check, async (request) => {
      const params = paramsOf(request);
      const key = vonageKey(deps.keys, params, request);
      const id = stringParam(params, 'request_id', { required: true, max: 32 });
      const code = stringParam(params, 'code', { required: true, max: 20 });
      if (!/^[0-9a-f]{32}$/.test(id)) throw new AppError('VERIFICATION_NOT_FOUND');
      const result = await deps.service.check(key, id, code);
      if (!result.verified) {
        const status = result.attemptsRemaining === 0 ? 17 : 16;
        return { request_id: id, status: String(status), error_text: TEXTS[status] };
      }
      const last = result.record.attempts.at(-1);
      return {
        request_id: id,
        event_id: last ? eventId(result.record, last.n) : '',
        status: '0',
        price: NO_PRICE,
        currency: CURRENCY,
        estimated_price_messages_sent: NO_PRICE,
      };
    });

    idempotentRoute(ROUTES.control, async (request) => {
      const params = paramsOf(request);
      const key = vonageKey(deps.keys, params, request);
      const id = stringParam(params, 'request_id', { required: true, max: 32 });
      const cmd = stringParam(params, 'cmd', { required: true, max: 32 });
      if (cmd !== 'cancel' && cmd !== 'trigger_next_event') throw new AppError('REQUEST_INVALID', { message: 'cmd must be cancel or trigger_next_event', details: { field: 'cmd' } });
      if (!/^[0-9a-f]{32}$/.test(id)) throw new AppError('VERIFICATION_NOT_FOUND');
      if (cmd === 'cancel') await deps.service.cancel(key, id);
      else await deps.service.next(key, id);
      return { status: '0', command: cmd };
    });

    route(ROUTES.search, async (request) => {
      const params = paramsOf(request);
      const key = vonageKey(deps.keys, params, request);
      const many = params.request_ids;
      const ids = (many === undefined ? [] : Array.isArray(many) ? many : [many]).filter((v): v is string => typeof v === 'string' && v !== '');
      if (ids.length > 10) return { status: '18', error_text: TEXTS[18] };
      if (ids.length === 0) {
        const id = stringParam(params, 'request_id', { required: true, max: 32 });
        if (!/^[0-9a-f]{32}$/.test(id)) throw new AppError('VERIFICATION_NOT_FOUND');
        return searchResult(await deps.service.get(key, id), key);
      }
      const found = [];
      for (const id of ids) {
        if (!/^[0-9a-f]{32}$/.test(id)) continue;
        const record = await deps.service.get(key, id).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'VERIFICATION_NOT_FOUND') return undefined;
          throw err;
        });
        if (record) found.push(searchResult(record, key));
      }
      if (found.length === 0) throw new AppError('VERIFICATION_NOT_FOUND');
      return { verification_requests: found };
    });
  };
}
