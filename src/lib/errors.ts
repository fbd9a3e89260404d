/**
 * The one catalogue of error codes. Every refusal the engine makes has a stable string code
 * and an HTTP status here; the API error handler maps these to HTTP, and each compat endpoint
 * maps them to its own service's codes. Never invent a code elsewhere.
 */

export const ERRORS = {
  // Request shape
  REQUEST_INVALID: { status: 400, message: 'The request is not valid' },
  REQUEST_MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  REQUEST_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request content type is not supported' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such endpoint' },
  IDEMPOTENCY_KEY_INVALID: { status: 400, message: 'The Idempotency-Key header must be 1 to 255 printable ASCII characters' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, message: 'A request with this Idempotency-Key is still in progress; retry shortly' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was already used for a different request' },

  // Authentication and key policy
  AUTH_MISSING: { status: 401, message: 'An API key is required' },
  AUTH_INVALID: { status: 401, message: 'The API key is not valid' },
  KEY_DISABLED: { status: 403, message: 'The API key is disabled' },
  CHANNEL_NOT_ALLOWED: { status: 403, message: 'This API key may not use that channel' },
  CUSTOM_CODE_NOT_ALLOWED: { status: 403, message: 'This API key may not supply its own code' },
  CALLER_ID_NOT_ALLOWED: { status: 403, message: 'That caller ID is not one of the key\'s numbers' },
  CALLER_ID_NOT_IN_POOL: { status: 403, message: 'That caller ID is in no caller-ID pool of the trunks that serve this number' },
  SENDER_NOT_ALLOWED: { status: 403, message: 'That SMS sender is not allowed for this key' },

  // Input values
  NUMBER_NOT_E164: { status: 400, message: 'The phone number is not in E.164 format (+ and 7 to 15 digits)' },
  NUMBER_INVALID: { status: 400, message: 'The phone number is not a valid number' },
  NUMBER_PLUS_NOT_ENCODED: {
    status: 400,
    message: 'The phone number starts with a space: a + in a query string or form body means a space; encode + as %2B',
  },
  CODE_INVALID_FORMAT: { status: 400, message: 'The code must be digits only' },
  CODE_LENGTH_INVALID: { status: 400, message: 'The code length is out of range' },
  LANGUAGE_UNSUPPORTED: { status: 400, message: 'That language is not supported' },
  CHANNEL_UNSUPPORTED: { status: 400, message: 'That channel is not supported' },
  WORKFLOW_UNKNOWN: { status: 400, message: 'That workflow does not exist' },
  CALLBACK_URL_INVALID: { status: 400, message: 'The callback URL is not a valid http(s) URL' },
  CALLBACK_URL_FORBIDDEN: { status: 400, message: 'The callback URL points to an address the operator does not allow' },
  TEMPLATE_INVALID: { status: 400, message: 'The message template is not valid' },
  SMS_TOO_MANY_PARTS: { status: 400, message: 'The SMS text would need more parts than the operator allows (sms.maxParts)' },

  // Abuse controls (src/verification/policy): refused before anything is stored or dialled
  NUMBER_FLOOD: { status: 429, message: 'Too many verifications for this number; wait before asking again' },
  NUMBER_DO_NOT_CALL: { status: 403, message: 'The number is on the do-not-call list' },
  NO_ROUTE: { status: 422, message: 'No route serves this destination on this channel; nothing was dialled' },
  MISSED_CALL_POOL_EXHAUSTED: { status: 409, message: 'Every missed-call number for this country is in use by pending verifications of this number; wait for one to end' },
  DESTINATION_BLOCKED: { status: 403, message: 'The fraud guard blocked this destination prefix for now (high volume, collapsed conversion); nothing was dialled' },
  FRAUD_BLOCK_NOT_FOUND: { status: 404, message: 'No fraud-guard block on that prefix' },
  COST_LIMIT_EXCEEDED: { status: 422, message: 'The expected cost of this destination exceeds the maxCost of the key or route (or no rate prices it); nothing was dialled' },
  COUNTRY_NOT_ALLOWED: { status: 403, message: 'The operator does not serve numbers of this country on this channel' },
  AREA_CODE_NOT_ALLOWED: { status: 403, message: 'The operator does not serve this area code or number range on this channel' },
  NUMBER_TYPE_NOT_ALLOWED: { status: 403, message: 'Numbers of this type (premium-rate, shared-cost, unknown…) are refused' },
  RANGE_VELOCITY: { status: 429, message: 'Too many different numbers of this number range in a short time' },
  QUOTA_EXCEEDED: { status: 429, message: "The API key's quota of verifications is used up for now" },
  CIRCUIT_OPEN: { status: 503, message: 'Calls are paused: the engine-wide call rate limit was exceeded' },
  ROUTING_EDIT_INVALID: { status: 422, message: 'The change would make the trunks and routes invalid; nothing was changed' },
  ROUTING_TARGET_NOT_FOUND: { status: 404, message: 'No such trunk or route in the configuration (only configured trunks and routes can be edited)' },
  ROUTING_RELOAD_REFUSED: { status: 422, message: 'The configuration has problems; the trunks and routes in force are kept' },
  ADMIN_REQUIRED: { status: 403, message: 'This operation needs an API key with admin rights' },
  REPORTS_REQUIRED: { status: 403, message: 'History and reports need an API key with admin rights or the reports permission' },

  // History queries (GET /v1/verifications, /v1/reports/*)
  QUERY_PARAM_UNKNOWN: { status: 400, message: 'Unknown query parameter' },
  QUERY_DATE_INVALID: { status: 400, message: 'A date is not an ISO 8601 time (2026-11-01T00:00:00Z) or epoch milliseconds' },
  QUERY_RANGE_REVERSED: { status: 400, message: 'The time range ends before it starts' },
  QUERY_RANGE_TOO_LONG: { status: 400, message: 'The time range is longer than allowed' },
  QUERY_PAGE_SIZE_INVALID: { status: 400, message: 'The page size is out of range' },
  QUERY_CURSOR_INVALID: { status: 400, message: 'The cursor is not one this API returned' },
  QUERY_VALUE_INVALID: { status: 400, message: 'A query parameter has a value that is not allowed' },
  HISTORY_DISABLED: { status: 404, message: 'The history is turned off (history.url: off)' },
  HISTORY_UNAVAILABLE: { status: 503, message: 'The history database is not available' },

  // Operator console (src/console, docs/console.md)
  CONSOLE_DISABLED: { status: 404, message: 'The console is off (console.enabled: false, or history.url: off: accounts live in the history database)' },
  CONSOLE_LOGIN_INVALID: { status: 401, message: 'Wrong user name or password' },
  CONSOLE_LOGIN_LOCKED: { status: 423, message: 'Too many wrong passwords: the account is locked for a while; an admin can unlock it' },
  CONSOLE_LOGIN_RATE: { status: 429, message: 'Too many login attempts from this address; wait a minute' },
  CONSOLE_SESSION_REQUIRED: { status: 401, message: 'Sign in to the console first (the session is missing, expired or ended)' },
  CONSOLE_CSRF_INVALID: { status: 403, message: 'The request lacks the console CSRF token, or it does not match the session: reload the page' },
  CONSOLE_ROLE_REQUIRED: { status: 403, message: 'Your console role may not do this' },
  CONSOLE_OPERATOR_EXISTS: { status: 409, message: 'An operator with this user name exists' },
  CONSOLE_PASSWORD_WEAK: { status: 400, message: 'The password must be 12 to 200 characters' },
  CONSOLE_PASSWORD_WRONG: { status: 403, message: 'The current password is wrong' },
  CONSOLE_KEY_EXISTS: { status: 409, message: 'An API key with this id exists' },
  CONSOLE_KEY_NOT_FOUND: { status: 404, message: 'No such console-made API key (keys from the configuration file are changed there)' },
  EVENT_STREAMS_FULL: { status: 503, message: 'Too many open event streams on this engine (console.maxEventStreams)' },

  // Verification state
  VERIFICATION_NOT_FOUND: { status: 404, message: 'No such verification' },
  VERIFICATION_ACTIVE_EXISTS: { status: 409, message: 'A verification for this number is already pending' },
  VERIFY_EXPIRED: { status: 410, message: 'The verification has expired' },
  VERIFY_CODE_EXPIRED: { status: 410, message: 'The code has expired; a new one will be sent' },
  VERIFY_ALREADY_APPROVED: { status: 409, message: 'The verification was already approved; a code is usable once' },
  // A finished verification answers 409 (expired: 410) with its state's code, for check, cancel
  // and next alike; never 429, which says "try again later" (issue 11).
  VERIFY_TOO_MANY_ATTEMPTS: { status: 409, message: 'Too many wrong codes; the verification has failed' },
  VERIFY_FAILED: { status: 409, message: 'The verification has failed: its last step could not deliver the code' },
  VERIFY_CANCELED: { status: 409, message: 'The verification was canceled' },
  VERIFY_CHECK_NOT_ALLOWED: { status: 409, message: 'This verification is confirmed on the phone keypad, not by API check' },
  VERIFY_NO_NEXT_STEP: { status: 409, message: 'The workflow has no further step' },
  VERIFY_NOT_PENDING: { status: 409, message: 'The verification is no longer pending' },

  // Operations
  PBX_UNAVAILABLE: { status: 503, message: 'The telephone system is not available' },
  STORE_UNAVAILABLE: { status: 503, message: 'The store is not available' },
  CONFLICT_RETRY: { status: 503, message: 'The record was changed concurrently too often; retry' },
  TEST_CLOCK_DISABLED: { status: 404, message: 'The test clock is not enabled' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected refusal with a stable code. Throw it; the API layer turns it into a response. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    options: { message?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    // An expected refusal needs no stack trace, and capturing one cost ~8% of the CPU of a flood
    // of refused requests (measured). INTERNAL keeps its stack (and its cause's).
    const limit = Error.stackTraceLimit;
    if (code !== 'INTERNAL') Error.stackTraceLimit = 0;
    super(options.message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = ERRORS[code].status;
    this.details = options.details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
