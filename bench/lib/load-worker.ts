/**
 * Load generator, run as its own process so the server under test keeps its CPU to itself as
 * far as two cores allow. Input: a JSON file's path; output: one JSON line with the figures.
 *   { url, method, path, headers, connections, durationSec, body?: {kind: 'start' | 'check' | 'bare', ...} }
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface Spec {
  url: string;
  path: string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Fixed arrival rate, requests per second over all connections (saturation when absent). */
  rate?: number;
  /** First sequence number of generated numbers (distinct per run: the flood limit counts per number). */
  firstN?: number;
  body: { kind: 'start'; channel?: string; workflow?: string; prefix: string; spread?: boolean } | { kind: 'check'; ids: string[]; code: string } | { kind: 'bare' };
}

const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Spec;
let n = spec.firstN ?? 0;

function nextBody(): { path: string; body: string } {
  n++;
  const b = spec.body;
  if (b.kind === 'start') {
    // spread: each number in a range of its own (the abuse controls' velocity limit counts numbers per range).
    const digits = String(n).padStart(8, '0');
    const to = b.spread ? `${b.prefix}${digits.slice(4)}${digits.slice(0, 4)}` : `${b.prefix}${digits}`;
    return { path: spec.path, body: JSON.stringify(b.workflow !== undefined ? { to, workflow: b.workflow } : { to, channel: b.channel }) };
  }
  if (b.kind === 'check') return { path: `/v1/verifications/${b.ids[n % b.ids.length] as string}/check`, body: JSON.stringify({ code: b.code }) };
  return { path: spec.path, body: JSON.stringify({ to: `+4915100000000` }) };
}

const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSec,
    ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...spec.headers },
        setupRequest: (req) => ({ ...req, ...nextBody() }),
      },
    ],
  },
  (err, result) => {
    if (err) {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    }
    const statuses: Record<string, number> = {};
    for (const key of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) statuses[key] = result[key];
    process.stdout.write(
      `${JSON.stringify({
        requestsPerSec: result.requests.average,
        total: result.requests.total,
        p50: result.latency.p50,
        p99: result.latency.p99,
        max: result.latency.max,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        statuses,
      })}\n`,
    );
  },
);
process.once('SIGINT', () => instance.stop());
