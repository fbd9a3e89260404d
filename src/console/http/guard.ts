import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors';
import type { ConsoleAccounts } from '../accounts';
import { roleAtLeast, type Role } from '../port';
import { clearedCookie, csrfMatches, readCookie, SESSION_COOKIE, sessionCookie, type Session, type SessionSigner } from '../session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session (routes under /console/api). */
    consoleSession: Session | undefined;
  }
}

export interface GuardSettings {
  idleMs: number;
  absoluteMs: number;
  secureCookies: 'auto' | 'always' | 'never';
  production: boolean;
}

/**
 * Session checks for /console/api: the signed cookie (timeouts), the operator still enabled with
 * the same session version, the role, and for every change the CSRF token (synchronizer token in
 * `x-csrf-token`) and, when the browser sends one, a same-origin `Origin`.
 */
export class ConsoleGuard {
  constructor(
    private readonly signer: SessionSigner,
    private readonly accounts: ConsoleAccounts,
    private readonly settings: GuardSettings,
    private readonly now: () => number,
  ) {}

  secure(request: FastifyRequest): boolean {
    if (this.settings.secureCookies !== 'auto') return this.settings.secureCookies === 'always';
    return request.protocol === 'https' || this.settings.production;
  }

  issue(request: FastifyRequest, reply: FastifyReply, session: Session): void {
    const maxAge = Math.max(1, Math.floor(Math.min(this.settings.idleMs, session.iat + this.settings.absoluteMs - this.now()) / 1000));
    // one session cookie per answer (fastify appends set-cookie headers; a re-issued session replaces the first)
    void reply.removeHeader('set-cookie');
    void reply.header('set-cookie', sessionCookie(this.signer.sign(session), { secure: this.secure(request), maxAgeSeconds: maxAge }));
  }

  clear(request: FastifyRequest, reply: FastifyReply): void {
    void reply.header('set-cookie', clearedCookie(this.secure(request)));
  }

  /** Same-origin check for changes: a present Origin must name this host. */
  sameOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new AppError('CONSOLE_CSRF_INVALID');
    }
    if (host !== request.headers.host) throw new AppError('CONSOLE_CSRF_INVALID');
  }

  /** The session, refreshed (idle timeout slides); throws CONSOLE_SESSION_REQUIRED, CONSOLE_CSRF_INVALID, CONSOLE_ROLE_REQUIRED. */
  async require(request: FastifyRequest, reply: FastifyReply, role: Role): Promise<Session> {
    const now = this.now();
    const session = this.signer.verify(readCookie(request.headers.cookie, SESSION_COOKIE), now, this.settings);
    if (!session) throw new AppError('CONSOLE_SESSION_REQUIRED');
    const op = await this.accounts.getOperator(session.op);
    if (!op || op.disabled || op.sessionVersion !== session.ver) {
      this.clear(request, reply);
      throw new AppError('CONSOLE_SESSION_REQUIRED');
    }
    const current: Session = { ...session, role: op.role, seen: now };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      this.sameOrigin(request);
      if (!csrfMatches(current, request.headers['x-csrf-token'])) throw new AppError('CONSOLE_CSRF_INVALID');
    }
    request.consoleSession = current;
    this.issue(request, reply, current);
    if (!roleAtLeast(role, current.role)) throw new AppError('CONSOLE_ROLE_REQUIRED', { details: { needs: role, have: current.role } });
    return current;
  }
}

/** Strings shaped like E.164 numbers anywhere in a JSON value, masked (viewers never see numbers). */
export function maskNumbers(value: unknown, mask: (n: string) => string): unknown {
  if (typeof value === 'string') return /^\+[1-9][0-9]{6,14}$/.test(value) ? mask(value) : value;
  if (Array.isArray(value)) return value.map((v) => maskNumbers(v, mask));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskNumbers(v, mask)]));
  return value;
}
