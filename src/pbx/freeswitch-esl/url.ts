/** Where a FreeSWITCH event socket is: parsed once from `esl://:password@host:8021`. */
export interface EslTarget {
  host: string;
  port: number;
  password: string;
}

/** `esl://host:port` — for logs and errors; never includes the password. */
export function describeTarget(target: Pick<EslTarget, 'host' | 'port'>): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `esl://${host}:${target.port}`;
}

/**
 * Parses `esl://:password@host[:port]` (port 8021 by default). The user part is ignored
 * (the event socket has none). Throws an Error whose message never repeats the password.
 */
export function parseEslUrl(raw: string): EslTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('pbx: not a valid esl:// URL (expected esl://:password@host:8021)');
  }
  if (url.protocol !== 'esl:') throw new Error(`pbx: expected an esl:// URL, got ${url.protocol}//…`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error('pbx: the esl:// URL has no host (expected esl://:password@host:8021)');
  const port = url.port === '' ? 8021 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`pbx: ${describeTarget({ host, port: 0 })} has an invalid port`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new Error(`pbx: ${describeTarget({ host, port })} must not have a path or query`);
  }
  let password: string;
  try {
    password = decodeURIComponent(url.password);
  } catch {
    throw new Error(`pbx: the password of ${describeTarget({ host, port })} is not valid percent-encoding`);
  }
  if (password === '') throw new Error(`pbx: ${describeTarget({ host, port })} needs a password (esl://:password@host:port)`);
  // The password travels as `auth <password>` on one protocol line.
  if (/[\s\p{Cc}]/u.test(password)) throw new Error(`pbx: the password of ${describeTarget({ host, port })} must not contain spaces or control characters`);
  return { host, port, password };
}
