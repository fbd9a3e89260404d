import { createHash, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from './api-client';
import { KEY, spokenCode, startFixture, type Fixture, type FixtureOptions } from './e2e-fixture';

/** Keys of the compat e2e engines (besides the fixture's `shop` key, which they extend). */
export const SHOP = `${KEY.id}:${KEY.secret}`;
export const KEYS = {
  smsOnly: { id: 'smsonly', secret: 'sms-only-secret-0123456789', allowedChannels: ['sms'] },
  noCustom: { id: 'nocustom', secret: 'no-custom-secret-0123456789' },
  disabled: { id: 'off', secret: 'disabled-secret-0123456789', disabled: true, allowCustomCode: true },
  tiny: { id: 'tiny', secret: 'tiny-quota-secret-0123456789', allowCustomCode: true, quota: { perHour: 1 } },
} as const;

/** The fixture's `shop` key with what the seeds need: own caller ID, custom codes, Israel. */
export function shopKey(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: KEY.id,
    secret: KEY.secret,
    webhookSecret: KEY.webhookSecret,
    allowCustomCode: true,
    allowedCallerIds: ['+442037691880'],
    defaultCountry: 'IL',
    brand: 'Acme',
    admin: true,
    ...extra,
  };
}

export interface CompatFixture extends Fixture {
  /** Plain HTTP, no key: compat endpoints authenticate their own way. */
  http(
    method: string,
    path: string,
    init?: { body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<{ status: number; text: string; json: any; headers: Headers }>;
  /** pbxverify_refusals_total for one error code. */
  refusals(code: string): Promise<number>;
  /** Simulated calls and SMS to a number (what was dialled or sent), as all the fixture's keys see them. */
  callsTo(to: string): Promise<any[]>;
  messagesTo(to: string): Promise<any[]>;
}

export async function startCompatFixture(opts: FixtureOptions & { keys?: Array<Record<string, unknown>> } = {}): Promise<CompatFixture> {
  const keys = [shopKey(), ...Object.values(KEYS), ...(opts.keys ?? [])] as Array<{ id: string; secret: string; disabled?: boolean }>;
  const f = await startFixture({
    ...opts,
    config: { apiKeys: keys, ...opts.config },
  });
  // The simulator shows each key its own calls and SMS only: "was it ever dialled?" asks every key.
  const viewers = keys.filter((k) => !k.disabled).map((k) => f.api.withAuth(f.engine.auth(k.id, k.secret)));
  const everyKeys = async (path: string, field: 'calls' | 'messages'): Promise<any[]> => {
    const lists = await Promise.all(viewers.map(async (v) => (await v.get(path)).body[field] as Array<{ startedAt?: number; at?: number }>));
    return lists.flat().sort((a, b) => (a.startedAt ?? a.at ?? 0) - (b.startedAt ?? b.at ?? 0));
  };
  const http: CompatFixture['http'] = async (method, path, init = {}) => {
    const res = await fetch(`${f.engine.url}${path}`, { method, ...(init.body !== undefined ? { body: init.body } : {}), headers: init.headers ?? {} });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  return {
    ...f,
    http,
    refusals: async (code) => {
      const text = await (await fetch(`${f.engine.url}/metrics`)).text();
      const match = new RegExp(`^pbxverify_refusals_total\\{code="${code}"\\} (\\d+)`, 'm').exec(text);
      return match ? Number(match[1]) : 0;
    },
    callsTo: (to) => everyKeys(`/v1/simulator/calls?to=${encodeURIComponent(to)}`, 'calls'),
    messagesTo: (to) => everyKeys(`/v1/simulator/messages?to=${encodeURIComponent(to)}`, 'messages'),
    // whichever of the fixture's keys placed the latest call or sent the latest SMS
    heardCode: async (to) => spokenCode((await everyKeys(`/v1/simulator/calls?to=${encodeURIComponent(to)}`, 'calls')).at(-1)),
    lastSms: async (to) => (await everyKeys(`/v1/simulator/messages?to=${encodeURIComponent(to)}`, 'messages')).at(-1)?.body as string,
  };
}

/** PHP's urlencode() as http_build_query(…, PHP_QUERY_RFC1738) applies it. */
export const phpEncode = (v: string): string =>
  encodeURIComponent(v)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

/**
 * What Zadarma's PHP client (user-api-v1 lib/Client.php) sends for `$api->call($method, $params)`:
 * `format=json` added, parameters sorted, the query and the Authorization header.
 */
export function zadarmaRequest(method: string, params: Record<string, string>, key: string, secret: string): { query: string; authorization: string } {
  const all: Record<string, string> = { ...params, format: 'json' };
  const query = Object.keys(all)
    .sort()
    .map((k) => `${phpEncode(k)}=${phpEncode(all[k] as string)}`)
    .join('&');
  const md5 = createHash('md5').update(query).digest('hex');
  const sign = Buffer.from(createHmac('sha1', secret).update(method + query + md5).digest('hex')).toString('base64');
  return { query, authorization: `${key}:${sign}` };
}

/** A real HTTP server that records GET callbacks (called.in's callback_url). */
export interface ReceivedCallback {
  path: string;
  query: Record<string, string>;
  method: string;
  /** The request target exactly as sent (path and query string). */
  target: string;
  headers: Record<string, string>;
}

export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      this.received.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), method: req.method ?? '', target: req.url ?? '', headers });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The first callback whose query has this phone_number. */
  forPhone(phone: string): Promise<ReceivedCallback> {
    return eventually(async () => this.received.find((r) => r.query.phone_number === phone), `a callback for ${phone}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
