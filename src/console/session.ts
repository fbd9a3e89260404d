import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from '../lib/hmac';
import type { Role } from './port';

/**
 * Console sessions live in one signed cookie (HMAC-SHA256 with a key derived from the engine
 * secret): nothing to store, and several engines on one secret accept each other's sessions. The
 * cookie carries the operator, the role, the CSRF token, when it started and when it was last used;
 * every request re-issues it with a new `seen` (idle timeout), and `iat` bounds it absolutely.
 * `ver` is compared with the operator's session version, so a role or password change ends it.
 */
export interface Session {
  op: string;
  user: string;
  role: Role;
  /** Synchronizer token: sent by the page in `x-csrf-token` on every change, compared here. */
  csrf: string;
  iat: number;
  seen: number;
  ver: number;
}

export const SESSION_COOKIE = 'pbxv_console';

export class SessionSigner {
  private readonly hmac: HmacSha256;

  constructor(engineSecret: string) {
    this.hmac = new HmacSha256(new HmacSha256(Buffer.from(engineSecret, 'utf8')).digest('pbxverify console session v1'));
  }

  newSession(op: { id: string; username: string; role: Role; sessionVersion: number }, now: number): Session {
    return { op: op.id, user: op.username, role: op.role, csrf: randomBytes(24).toString('base64url'), iat: now, seen: now, ver: op.sessionVersion };
  }

  sign(session: Session): string {
    const body = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
    return `${body}.${this.hmac.digest(body).toString('base64url')}`;
  }

  /** The session when the signature holds and neither timeout passed; undefined otherwise. */
  verify(cookie: string | undefined, now: number, limits: { idleMs: number; absoluteMs: number }): Session | undefined {
    if (!cookie || cookie.length > 2000) return undefined;
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const body = cookie.slice(0, dot);
    const mac = Buffer.from(cookie.slice(dot + 1), 'base64url');
    const expected = this.hmac.digest(body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    let session: Session;
    try {
      session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Session;
    } catch {
      return undefined;
    }
    if (typeof session.iat !== 'number' || typeof session.seen !== 'number') return undefined;
    if (now - session.seen > limits.idleMs || now - session.iat > limits.absoluteMs || session.seen > now + 60_000) return undefined;
    return session;
  }
}

/** `a=1; b=2` → the value of `name`. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${opts.maxAgeSeconds}${opts.secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return sessionCookie('', { secure, maxAgeSeconds: 0 });
}

/** Compares the CSRF header with the session's token in constant time. */
export function csrfMatches(session: Session, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
