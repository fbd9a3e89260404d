import { hashPassword, OWASP_SCRYPT, verifyPassword } from '../../src/console/passwords';
import { csrfMatches, readCookie, SessionSigner } from '../../src/console/session';
import { maskNumbers } from '../../src/console/http/guard';
import { maskNumber } from '../../src/lib/mask';

const LIMITS = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
const T0 = Date.UTC(2026, 11, 5);

describe('console sessions and passwords', () => {
  const signer = new SessionSigner('engine-secret-0123456789abcdefghijklmnop');
  const session = signer.newSession({ id: 'op-1', username: 'alice', role: 'operator', sessionVersion: 3 }, T0);

  it('reads back a signed session and refuses a changed one or another engine secret', () => {
    const cookie = signer.sign(session);
    expect(signer.verify(cookie, T0 + 1000, LIMITS)).toEqual(session);
    const [body, mac] = cookie.split('.') as [string, string];
    const promoted = Buffer.from(JSON.stringify({ ...session, role: 'admin' })).toString('base64url');
    expect(signer.verify(`${promoted}.${mac}`, T0, LIMITS)).toBeUndefined();
    expect(signer.verify(`${body}.${mac.slice(1)}`, T0, LIMITS)).toBeUndefined();
    expect(new SessionSigner('another-secret-0123456789abcdefghijklmnop').verify(cookie, T0, LIMITS)).toBeUndefined();
  });

  it('ends a session after the idle timeout, and after the absolute one however busy', () => {
    expect(signer.verify(signer.sign(session), T0 + LIMITS.idleMs + 1, LIMITS)).toBeUndefined();
    const busy = { ...session, seen: T0 + LIMITS.absoluteMs };
    expect(signer.verify(signer.sign(busy), T0 + LIMITS.absoluteMs + 1, LIMITS)).toBeUndefined();
  });

  it('compares the CSRF token exactly', () => {
    expect(csrfMatches(session, session.csrf)).toBe(true);
    expect(csrfMatches(session, `${session.csrf}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(readCookie(`a=1; pbxv_console=xyz; b=2`, 'pbxv_console')).toBe('xyz');
  });

  it('hashes with scrypt at the OWASP parameters and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash.startsWith(`scrypt$${OWASP_SCRYPT.N}$8$1$`)).toBe(true);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$nonsense')).toBe(false);
  });

  it('masks every E.164-shaped string for viewers, leaving other values alone', () => {
    expect(maskNumbers({ to: '+12025550100', items: [{ number: '+447911123456', id: 'abc', n: 3 }] }, maskNumber)).toEqual({
      to: '+12025****00',
      items: [{ number: '+44791*****56', id: 'abc', n: 3 }],
    });
  });
});
