import { randomBytes } from 'node:crypto';

export interface AriTarget {
  /** `http://host:port` */
  baseUrl: string;
  user: string;
  password: string;
  /** The app name from the URL; the engine adds an instance suffix ({@link stasisAppName}). */
  app: string;
}

const APP_RE = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * Parses `ari://user:pass@host:port/app` (`aris://` for TLS). Throws a clear Error naming the
 * problem, never echoing the password.
 */
export function parseAriUrl(raw: string): AriTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('pbx: not a valid ari:// URL (expected ari://user:pass@host:8088/app)');
  }
  if (url.protocol !== 'ari:' && url.protocol !== 'aris:') throw new Error(`pbx: ${url.protocol}// is not ari:// or aris://`);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (!user || !password) throw new Error('pbx: the ari:// URL needs a user and a password (ari://user:pass@host:8088/app)');
  if (!url.hostname) throw new Error('pbx: the ari:// URL needs a host');
  const app = url.pathname.replace(/^\//, '') || 'pbxverify';
  if (!APP_RE.test(app)) throw new Error('pbx: the Stasis app name in the ari:// URL must be 1-40 of A-Z a-z 0-9 _ -');
  const scheme = url.protocol === 'aris:' ? 'https' : 'http';
  const port = url.port || '8088';
  return { baseUrl: `${scheme}://${url.hostname}:${port}`, user, password, app };
}

/**
 * The Stasis app name this engine instance registers: `<app>-<suffix>`. Unique per instance
 * because a second WebSocket with the same app name silently takes the events away from the
 * first (Asterisk sends ApplicationReplaced; LIBRARIES.md).
 */
export function stasisAppName(app: string, suffix: string = randomBytes(4).toString('hex')): string {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(suffix)) throw new RangeError('instance suffix: 1-24 of A-Z a-z 0-9 _ -');
  return `${app}-${suffix}`;
}
