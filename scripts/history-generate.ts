/**
 * Fills a history database with synthetic verifications and their attempts, for benchmarks
 * (bench/history.bench.ts) and for trying reports, search and dashboards at scale.
 *
 *   npx tsx scripts/history-generate.ts --url sqlite:./data/bench.db --count 1000000
 *   npx tsx scripts/history-generate.ts --url postgres://user:pass@127.0.0.1:5432/db --count 1000000 --days 30
 *
 * Options: --url (required; sqlite:<file> or postgres://…), --count (verifications, default
 * 100000), --days (spread over the days before --end, default 30), --end (ISO date, default now),
 * --batch (events per transaction, default 5000), --seed (default 1: the same data every run).
 * Rows go through the History port's own write path (idempotent upserts, the roll-up's dirty
 * marks; SQLite with a 256 MiB page cache so the random-keyed indexes stay in memory), so the tables,
 * indexes and sizes are what an engine would produce. ~1.25 attempts per verification; statuses,
 * channels, countries, trunks, causes and costs are drawn with plausible weights.
 */
import { parseArgs } from 'node:util';
import { openHistory, parseHistoryUrl } from '../src/history/open';
import type { AttemptRow, HistoryEvent, VerificationRow } from '../src/history/port';

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNTRIES: Array<[string, string, number]> = [
  ['GB', '447', 25], ['US', '1202', 20], ['DE', '4915', 12], ['FR', '336', 10], ['IN', '9198', 10],
  ['BR', '55119', 8], ['NG', '234803', 5], ['ID', '62812', 5], ['PL', '4850', 3], ['ES', '346', 2],
];
const STATUSES: Array<[string, string | null, string | null, number]> = [
  ['approved', 'code-matched', 'api', 68], ['approved', 'keypad-matched', 'phone', 4], ['failed', 'not-answered', 'engine', 8],
  ['failed', 'too-many-wrong-codes', 'api', 2], ['expired', 'expired', 'engine', 15], ['canceled', 'canceled', 'api', 3],
];
const CHANNELS: Array<[string, number]> = [['sms', 60], ['call', 30], ['reverse', 10]];
const KEYS: Array<[string, number]> = [['shop', 50], ['acme', 30], ['qa', 15], ['ops', 5]];
const TRUNKS = ['carrier-a', 'carrier-b', 'carrier-c'];

function weighted<T extends readonly unknown[]>(rnd: () => number, table: readonly T[]): T {
  const total = table.reduce((s, row) => s + (row[row.length - 1] as number), 0);
  let x = rnd() * total;
  for (const row of table) {
    x -= row[row.length - 1] as number;
    if (x < 0) return row;
  }
  return table[table.length - 1] as T;
}

function hex(rnd: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(rnd() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** One verification with its attempts, created at `createdAt`. */
export function syntheticVerification(rnd: () => number, createdAt: number): HistoryEvent[] {
  const [country, prefix] = weighted(rnd, COUNTRIES);
  const [status, reason, endedBy] = weighted(rnd, STATUSES);
  const [channel] = weighted(rnd, CHANNELS);
  const [keyId] = weighted(rnd, KEYS);
  const id = hex(rnd, 32);
  const approved = status === 'approved';
  const endedAt = createdAt + 5_000 + Math.floor(rnd() * (approved ? 90_000 : 600_000));
  const attempts = rnd() < 0.25 ? 2 : 1;
  const events: HistoryEvent[] = [];
  const verification: VerificationRow = {
    id, v: attempts * 3 + 2, keyId, number: hex(rnd, 64), country, numberType: 'MOBILE', prefix: `+${prefix.slice(0, 5)}`,
    workflow: channel === 'sms' && attempts === 2 ? 'sms-call' : channel, channel, lang: 'en', status, reason, endedBy,
    createdAt, updatedAt: endedAt, endedAt, checks: approved ? 1 + (rnd() < 0.1 ? 1 : 0) : 0, delivered: approved || rnd() < 0.5,
  };
  events.push({ kind: 'verification', row: verification });
  for (let n = 1; n <= attempts; n++) {
    const ch = n === 1 ? channel : 'call';
    const startedAt = createdAt + (n - 1) * 120_000;
    const answered = ch !== 'sms' && (n === attempts ? approved || rnd() < 0.4 : rnd() < 0.3);
    const billsec = ch === 'sms' ? null : answered ? 10 + Math.floor(rnd() * 40) : 0;
    const busy = ch !== 'sms' && !answered && rnd() < 0.5;
    const attempt: AttemptRow = {
      verificationId: id, n, v: verification.v, keyId, createdAt, country, prefix: verification.prefix, channel: ch, status: 'completed',
      result: answered || ch === 'sms' ? 'delivered' : 'not-answered', outcome: ch === 'sms' ? null : answered ? 'answered' : busy ? 'busy' : 'no-answer',
      node: ch === 'sms' ? null : 'asterisk-1', trunk: ch === 'sms' ? null : (TRUNKS[Math.floor(rnd() * TRUNKS.length)] as string),
      callerId: ch === 'sms' ? null : '+442037691880', startedAt, ringingAt: null, answeredAt: answered ? startedAt + 4_000 : null,
      endedAt: startedAt + 4_000 + (billsec ?? 0) * 1000, billsec,
      sipStatus: ch === 'sms' ? null : answered ? 200 : busy ? 486 : 480, q850: ch === 'sms' ? null : answered ? 16 : busy ? 17 : 19,
      causeText: ch === 'sms' ? null : answered ? 'Normal Clearing' : busy ? 'User busy' : 'No answer', gate: null,
      dtmf: ch === 'reverse' && answered ? (approved ? 'matched' : 'mismatch') : null,
      smsParts: ch === 'sms' ? 1 : null, smsStatus: ch === 'sms' ? (rnd() < 0.9 ? 'delivered' : 'unknown') : null,
      smsGateway: ch === 'sms' ? 'smsc' : null, smsEncoding: ch === 'sms' ? 'gsm7' : null, failover: [], amd: null, amdCause: null,
      costMicros: ch === 'sms' ? 40_000 : (billsec ?? 0) > 0 ? 5_000 + (billsec ?? 0) * 200 : 0, currency: 'EUR',
    };
    events.push({ kind: 'attempt', row: attempt });
  }
  return events;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, count: { type: 'string', default: '100000' }, days: { type: 'string', default: '30' }, end: { type: 'string' }, batch: { type: 'string', default: '5000' }, seed: { type: 'string', default: '1' } },
  });
  if (!values.url) throw new Error('--url is required (sqlite:<file> or postgres://…)');
  const target = parseHistoryUrl(values.url, process.cwd());
  if (target.kind === 'off') throw new Error('--url must name a database');
  const count = Number(values.count);
  const spanMs = Number(values.days) * 86_400_000;
  const end = values.end ? Date.parse(values.end) : Date.now();
  const batch = Number(values.batch);
  const rnd = prng(Number(values.seed));
  const history = openHistory(target, { poolSize: 2, sqliteCacheMb: 256 });
  try {
    await history.migrate();
    const started = Date.now();
    let events: HistoryEvent[] = [];
    let attempts = 0;
    for (let i = 0; i < count; i++) {
      // evenly spread, oldest first (as an engine would write them)
      const created = end - spanMs + Math.floor((i / count) * spanMs) + Math.floor(rnd() * 1000);
      const rows = syntheticVerification(rnd, created);
      attempts += rows.length - 1;
      events.push(...rows);
      if (events.length >= batch) {
        await history.write(events);
        events = [];
      }
      if ((i + 1) % 100_000 === 0) process.stderr.write(`${i + 1} verifications (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    if (events.length) await history.write(events);
    process.stdout.write(`${JSON.stringify({ verifications: count, attempts, seconds: (Date.now() - started) / 1000, from: new Date(end - spanMs).toISOString(), to: new Date(end).toISOString() })}\n`);
  } finally {
    await history.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
