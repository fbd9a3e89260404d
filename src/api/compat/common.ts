import type { Logger } from 'pino';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyConfig } from '../../config/schema';
import type { Clock } from '../../lib/clock';
import { AppError, type ErrorCode } from '../../lib/errors';
import { controlCharProblem } from '../../lib/sms-text';
import type { UrlGuard } from '../../verification/ports';
import type { VerificationService } from '../../verification/service';
import { makeErrorHandler, type RenderedError } from '../error-handler';
import type { IdempotencyKeys } from '../idempotency/idempotency';
import type { KeyRing } from '../keys';

/** What every compat adapter is built from: the engine's own service, keys and guards. */
export interface CompatDeps {
  service: VerificationService;
  keys: KeyRing;
  urlGuard: UrlGuard;
  clock: Clock;
  /** The engine's logger (fastify itself has none: see server.ts). */
  logger: Logger;
  /** Counts a refusal in metrics (pbxverify_refusals_total{code}). */
  onRefusal(code: ErrorCode): void;
  /** Idempotency-Key on the creating endpoints (docs/compat.md). */
  idempotency: IdempotencyKeys;
}

/** A route plugin for buildServer's `plugins` option (registered in its own scope). */
export type CompatPlugin = (app: FastifyInstance) => Promise<void>;

export type { RenderedError };

/**
 * Installs the scope's error handler: anything thrown becomes an AppError (stable code), is
 * counted as a refusal, and is answered in the service's own format by `render`.
 */
export function answerErrorsWith(scope: FastifyInstance, deps: CompatDeps, render: (err: AppError, request: FastifyRequest) => RenderedError): void {
  scope.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code), render));
}

/** Request parameters from the query string and a parsed form or JSON body, body first. */
export function paramsOf(request: FastifyRequest): Record<string, unknown> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  return { ...query, ...body };
}

/**
 * A single string parameter: absent, empty, repeated values and control characters are refused with REQUEST_INVALID
 * (`missing: true` lets Vonage tell a missing parameter from a bad one). Numbers from JSON
 * bodies are accepted as their decimal text.
 */
export function stringParam(params: Record<string, unknown>, name: string, opts: { required: true; max: number }): string;
export function stringParam(params: Record<string, unknown>, name: string, opts: { required?: false; max: number }): string | undefined;
export function stringParam(params: Record<string, unknown>, name: string, opts: { required?: boolean; max: number }): string | undefined {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') {
    if (opts.required) throw new AppError('REQUEST_INVALID', { message: `Missing parameter ${name}`, details: { field: name, missing: true } });
    return undefined;
  }
  const value = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  // control characters never belong in a text field (a NUL cuts an SMS on Asterisk, issue 11)
  if (typeof value !== 'string' || value.length > opts.max || controlCharProblem(value) !== undefined) {
    throw new AppError('REQUEST_INVALID', { message: `Invalid value for parameter ${name}`, details: { field: name } });
  }
  return value;
}

/** A key sent as one `id:secret` token (called.in `api_key`, 99 Digital `apiKey`): AUTH_MISSING when absent. */
export function keyFromToken(deps: CompatDeps, params: Record<string, unknown>, name: string): ApiKeyConfig {
  const token = stringParam(params, name, { max: 300 });
  if (token === undefined) throw new AppError('AUTH_MISSING', { details: { field: name } });
  return deps.keys.fromPair(token.trim());
}

/** An optional integer parameter (text or JSON number) within bounds. */
export function intParam(params: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const text = stringParam(params, name, { max: 12 });
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new AppError('REQUEST_INVALID', { message: `Invalid value for parameter ${name}`, details: { field: name } });
  }
  return Number(text);
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Did this refusal say a parameter was missing (rather than bad)? */
export function isMissing(err: AppError): boolean {
  return err.code === 'REQUEST_INVALID' && err.details?.missing === true;
}
