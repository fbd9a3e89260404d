import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERRORS, type ErrorCode } from '../lib/errors';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(err: AppError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
}

/**
 * Stable codes of a route's field refusals, by field and zod issue code (`*`: any but a wrong
 * type), so a value the schema refuses gets the code the service would give it (a 21-digit
 * `code` is CODE_LENGTH_INVALID whichever layer sees it first). Set as the route's
 * `config.fieldErrors`; anything not listed is REQUEST_INVALID.
 */
export type FieldErrors = Readonly<Record<string, Readonly<Record<string, ErrorCode | { code: ErrorCode; details: Record<string, unknown> }>>>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    fieldErrors?: FieldErrors;
  }
}

/** Maps anything thrown in a route to an AppError: our own, fastify's body errors, validation. */
export function toAppError(err: unknown, fieldErrors?: FieldErrors): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      field: [v.instancePath.replace(/^\//, '').replace(/\//g, '.'), (v.params as { issue?: { keys?: string[] } }).issue?.keys?.join(',')]
        .filter(Boolean)
        .join('.') || '(body)',
      problem: v.message ?? 'invalid',
      kind: v.keyword,
    }));
    const first = issues[0];
    const byField = first === undefined ? undefined : fieldErrors?.[first.field];
    const mapped = first === undefined || byField === undefined ? undefined : (byField[first.kind] ?? (first.kind === 'invalid_type' ? undefined : byField['*']));
    const listed = issues.map(({ field, problem }) => ({ field, problem }));
    if (mapped === undefined || first === undefined) return new AppError('REQUEST_INVALID', { details: { issues: listed } });
    const { code, details } = typeof mapped === 'string' ? { code: mapped, details: {} } : mapped;
    return new AppError(code, { message: `${first.field}: ${first.problem}`, details: { field: first.field, ...details, issues: listed } });
  }
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('REQUEST_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('REQUEST_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('REQUEST_MALFORMED_JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('REQUEST_INVALID', { message: 'Content-Length does not match the body' });
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) return new AppError('REQUEST_MALFORMED_JSON');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('REQUEST_INVALID', { message: fe.message });
  }
  return new AppError('INTERNAL', { cause: err });
}

/** How an error is answered: status, body, and a content type when it is not JSON. */
export interface RenderedError {
  status: number;
  body: unknown;
  /** Content type when not JSON (called.in answers a bare digit). */
  type?: string;
}

/** The native API's answer: the catalogue status and `{error: {code, message, details}}`. */
export function renderNative(err: AppError): RenderedError {
  return { status: ERRORS[err.code].status, body: errorBody(err) };
}

/**
 * A fastify error handler: anything thrown becomes an AppError (stable code); bugs are logged,
 * refusals counted; `render` answers in the scope's dialect (native, or a compat service's own).
 */
export function makeErrorHandler(
  logger: Logger,
  onRefusal: (code: ErrorCode) => void,
  render: (err: AppError, request: FastifyRequest) => RenderedError = renderNative,
) {
  return function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const appError = toAppError(err, request.routeOptions.config.fieldErrors);
    if (appError.code === 'INTERNAL') logger.error({ err, method: request.method, route: request.routeOptions.url ?? 'unmatched' }, 'unhandled error');
    else onRefusal(appError.code);
    const { status, body, type } = render(appError, request);
    if (type !== undefined) void reply.type(type);
    void reply.status(status).send(type === undefined ? body : String(body));
  };
}
