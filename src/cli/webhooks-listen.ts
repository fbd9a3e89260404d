import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Command, InvalidArgumentError } from 'commander';
import { signedContent, verifySignature, type SignatureCheck } from '../webhooks/signing';
import { keyWebhookSecret, type LoadOrExit } from './keys';

/**
 * `pbxverify webhooks listen`: a development receiver that prints every webhook it gets and
 * whether its Standard Webhooks signature verified, like the listeners webhook-sending
 * platforms ship. It reports, it never rejects: every request is answered 204, so the engine
 * does not retry while you read.
 */

export interface ListenOptions {
  port: number;
  host: string;
  /** `whsec_…` to verify with; without it signatures are shown as not checked. */
  secret: string | undefined;
  /** One JSON object a line, with the payload, instead of one readable line. */
  json: boolean;
  /** Where lines go (stdout in the CLI). */
  write(line: string): void;
  now?: () => number;
}

export interface Listener {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** What the listener says about a signature, in words and in the JSON field `signature`. */
function verdict(check: SignatureCheck | undefined): string {
  if (!check) return 'not checked (no secret: pass --key or --secret)';
  if (check.ok) return 'verified';
  if (check.reason === 'unsigned') return 'missing (unsigned request)';
  return `INVALID (${check.reason.replace(/-/g, ' ')})`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface Payload {
  type?: unknown;
  data?: { verification_id?: unknown; verification?: { status?: unknown }; attempt?: { channel?: unknown; result?: unknown } };
}

function parse(body: string): Payload | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown, absent = '-'): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : absent;
}

/** One readable line: time, event (or method and URL for GET callbacks), verification, status, signature. */
function summary(at: Date, req: IncomingMessage, payload: Payload | undefined, signature: string): string {
  const time = at.toISOString().slice(11, 19);
  if (!payload || typeof payload.type !== 'string') return `${time}  ${req.method ?? '?'} ${req.url ?? '/'}  signature ${signature}`;
  const data = payload.data ?? {};
  const detail = data.attempt ? `${text(data.attempt.channel)} ${text(data.attempt.result, 'running')}` : `status=${text(data.verification?.status)}`;
  return `${time}  ${payload.type.padEnd(22)} ${text(data.verification_id)}  ${detail}  signature ${signature}`;
}

export async function startListener(opts: ListenOptions): Promise<Listener> {
  const now = opts.now ?? Date.now;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const at = new Date(now());
      // a GET callback (called.in) is signed over its method, full URL and body: the URL as the
      // engine requested it, rebuilt from the Host header it sent and the request target
      const signedPayload = req.method === 'GET' ? signedContent('GET', `http://${req.headers.host ?? ''}${req.url ?? '/'}`, body) : body;
      const check = opts.secret
        ? verifySignature(
            opts.secret,
            { id: header(req, 'webhook-id'), timestamp: header(req, 'webhook-timestamp'), signature: header(req, 'webhook-signature') },
            signedPayload,
            { nowSeconds: Math.floor(at.getTime() / 1000) },
          )
        : undefined;
      const signature = verdict(check);
      const payload = parse(body);
      if (opts.json) {
        const url = new URL(req.url ?? '/', 'http://listener');
        opts.write(
          JSON.stringify({
            at: at.toISOString(),
            method: req.method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            webhook_id: header(req, 'webhook-id') ?? null,
            type: typeof payload?.type === 'string' ? payload.type : null,
            verified: check?.ok ?? null,
            signature,
            body: payload ?? (body || null),
          }),
        );
      } else {
        opts.write(summary(at, req, payload, signature));
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the engine keeps connections alive between deliveries
      }),
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port, 0-65535');
  return n;
}

/** `pbxverify webhooks listen`. */
export function registerWebhooksCommand(program: Command, load: LoadOrExit): void {
  const webhooks = program.command('webhooks').description('webhook tools');
  webhooks
    .command('listen')
    .description('receive webhooks locally and print each one and whether its signature verified (answers 204 to everything)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, 8089)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--secret <whsec>', 'verify signatures with this secret (whsec_…)')
    .option('--key <id>', "verify signatures with this key's secret (`pbxverify keys webhook-secret <id>`)")
    .option('--json', 'one JSON object a line, with the payload')
    .addHelpText(
      'after',
      [
        '',
        'Point callback_url (or a key\'s webhookUrl) at http://127.0.0.1:<port>/<any path>; the engine',
        'must be allowed to call loopback: PBXVERIFY_WEBHOOK_ALLOW_NETWORKS=127.0.0.0/8.',
        '',
        'Example:',
        '  npx pbxverify webhooks listen --port 8089 --key demo',
        '',
      ].join('\n'),
    )
    .action(async (opts: { port: number; host: string; secret?: string; key?: string; json?: boolean }) => {
      if (opts.secret !== undefined && opts.key !== undefined) {
        process.stderr.write('pbxverify: give --secret or --key, not both\n');
        process.exit(2);
      }
      if (opts.secret !== undefined && !/^whsec_[A-Za-z0-9+/=]{24,}$/.test(opts.secret)) {
        process.stderr.write('pbxverify: --secret must be whsec_ followed by base64\n');
        process.exit(2);
      }
      let secret = opts.secret;
      if (opts.key !== undefined) {
        const found = keyWebhookSecret(load(program.opts<{ config?: string }>().config).config, opts.key);
        if ('error' in found) {
          process.stderr.write(`pbxverify: ${found.error}\n`);
          process.exit(2);
        }
        secret = found.secret;
      }
      const write = (line: string): void => void process.stdout.write(`${line}\n`);
      const listener = await startListener({ port: opts.port, host: opts.host, secret, json: opts.json ?? false, write });
      const checking = opts.key !== undefined ? `key ${opts.key}'s secret` : secret ? 'the given secret' : 'nothing (signatures not checked)';
      process.stderr.write(`listening on ${listener.url}: use callback_url ${listener.url}/hooks (any path works); verifying with ${checking}; Ctrl-C stops\n`);
      const stop = (): void => {
        void listener.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
