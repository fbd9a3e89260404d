/**
 * Routing decisions and failover cost.
 * 1. Route + caller-ID choice with 10,000 prefixes (100 routes × 100) and 10,000 pool numbers
 *    (100 trunks × 100), local-presence strategy, printed beside a plain Map lookup of the same
 *    destinations in the same run. Target ≤ 5 µs per decision.
 * 2. Failover engine time: a call refused by the first trunk and answered by the second, against
 *    the same call answered by the first trunk, through the router and the dialer on stub PBXs
 *    that answer at once. Target ≤ 50 ms over the trunk's own refusal time.
 */
import pino from 'pino';
import { configSchema } from '../src/config/schema';
import { systemClock } from '../src/lib/clock';
import { DialerPbx } from '../src/pbx/dialer/dialer-pbx';
import { callEnd, type Call, type CallEnd, type OriginateRequest, type OriginateResult, type Pbx } from '../src/pbx/port';
import { callingCodeOf, isSharedCode, lazyFacts } from '../src/routing/number-facts';
import { compileTable } from '../src/routing/route-table';
import { RoutedPbx } from '../src/routing/routed-pbx';
import { Router } from '../src/routing/router';

const CODES = ['44', '49', '33', '39', '34', '31', '46', '47', '48', '351', '353', '358', '420', '36', '40', '30', '61', '81', '91', '55'];
const rand = (n: number): number => Math.floor(Math.random() * n);
const digits = (n: number): string => Array.from({ length: n }, () => String(rand(10))).join('');

function buildRouter(): { router: Router; prefixes: string[] } {
  const trunks = Array.from({ length: 100 }, (_, t) => ({
    name: `t${t}`,
    callerIds: Array.from({ length: 100 }, () => `+${CODES[rand(CODES.length)]}${1 + rand(9)}${digits(8)}`),
  }));
  for (const t of trunks) t.callerIds = [...new Set(t.callerIds)];
  const prefixes = new Set<string>();
  const routes = Array.from({ length: 100 }, (_, r) => {
    const own: string[] = [];
    while (own.length < 100) {
      const p = `${CODES[rand(CODES.length)]}${digits(2 + rand(4))}`;
      if (prefixes.has(p)) continue;
      prefixes.add(p);
      own.push(`+${p}`);
    }
    return { match: { prefixes: own }, trunks: [`t${r}`, `t${(r + 1) % 100}`], callerId: 'local' as const };
  });
  const config = configSchema.parse({ trunks, routes: [...routes, { trunks: ['t0'] }] });
  const router = new Router(compileTable(config.trunks, config.routes, 60_000), { window: 50, minCalls: 20, minAsr: 0.05, maxConsecutiveFailures: 5, openMs: 30_000 });
  return { router, prefixes: [...prefixes] };
}

function decisions(): void {
  const { router, prefixes } = buildRouter();
  const destinations = Array.from({ length: 100_000 }, () => {
    const p = prefixes[rand(prefixes.length)] as string;
    return `+${p}${digits(Math.max(1, 11 - p.length))}`;
  });
  const map = new Map(prefixes.map((p, i) => [p, i]));
  let sink = 0;
  const decide = (to: string): void => {
    const facts = lazyFacts(to);
    const d = router.decide(to, 'call', facts);
    const trunk = d?.trunks[0];
    if (trunk?.pool) sink += router.chooser.choose(trunk.name, trunk.pool, d!.route.callerId, to, facts).length;
  };
  const lookup = (to: string): void => {
    for (let len = 7; len >= 3; len--) {
      const hit = map.get(to.slice(1, 1 + len));
      if (hit !== undefined) {
        sink += hit;
        return;
      }
    }
  };
  const time = (fn: (to: string) => void, rounds: number): number => {
    const start = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const to of destinations) fn(to);
    return Number(process.hrtime.bigint() - start) / 1000 / (rounds * destinations.length);
  };
  time(decide, 1);
  time(lookup, 1);
  const routed = time(decide, 3);
  const plain = time(lookup, 3);
  const routeOnly = time((to) => {
    sink += router.decide(to, 'call', lazyFacts(to))?.route.index ?? 0;
  }, 3);
  const single = destinations.filter((d) => !isSharedCode(callingCodeOf(d) ?? ''));
  const startSingle = process.hrtime.bigint();
  for (let r = 0; r < 3; r++) for (const to of single) decide(to);
  const singleUs = Number(process.hrtime.bigint() - startSingle) / 1000 / (3 * single.length);
  const shared = destinations.filter((d) => d.startsWith('+44')).slice(0, 20_000);
  const startShared = process.hrtime.bigint();
  for (const to of shared) decide(to);
  const sharedUs = Number(process.hrtime.bigint() - startShared) / 1000 / shared.length;
  process.stdout.write(`\nRoute + caller-ID choice (${prefixes.length} prefixes, ${[...router.table.trunks.values()].reduce((n, t) => n + (t.pool?.numbers.length ?? 0), 0)} pool numbers, local presence)\n`);
  process.stdout.write(`  route table + caller ID : ${routed.toFixed(2)} µs per decision (target ≤ 5)\n`);
  process.stdout.write(`  plain Map, longest of 5 : ${plain.toFixed(2)} µs per lookup (same destinations, same run)\n`);
  process.stdout.write(`  route only (trie)       : ${routeOnly.toFixed(2)} µs per decision\n`);
  process.stdout.write(`  route + caller ID, calling codes of one country only (${single.length} of ${destinations.length}): ${singleUs.toFixed(2)} µs\n`);
  process.stdout.write(`  +44 only (country shared with GG/IM/JE: libphonenumber asked when no area matches): ${sharedUs.toFixed(2)} µs\n`);
  if (sink === 0) process.stdout.write('');
}

class StubCall implements Call {
  readonly id = 'stub';
  readonly ended: Promise<CallEnd>;
  private finish!: (end: CallEnd) => void;
  constructor() {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }
  play = async () => ({ ok: true as const });
  collectDigits = async () => ({ ok: true as const, digits: '', endedBy: 'timeout' as const });
  hangup = async () => this.finish(callEnd('answered', 'local', {}, Date.now()));
  on = () => this;
  off = () => this;
}

/** Answers at once, or refuses with 503 on trunks named `refuse-*`. */
const stub: Pbx = {
  kind: 'stub',
  originate: async (req: OriginateRequest): Promise<OriginateResult> =>
    req.trunk?.startsWith('refuse') ? { ok: false, end: callEnd('congestion', 'remote', { q850: 34, sip: 503 }, Date.now()) } : { ok: true, call: new StubCall() },
  sendMessage: async () => ({ ok: false, error: 'unsupported' }),
  health: () => ({ ready: true, detail: 'stub' }),
  start: async () => undefined,
  stop: async () => undefined,
};

async function failover(): Promise<void> {
  const logger = pino({ level: 'silent' });
  const config = configSchema.parse({
    trunks: [
      { name: 'refuse-a', callerIds: ['+442037691880'] },
      { name: 'b', callerIds: ['+442037691881'] },
    ],
    routes: [
      { match: { prefixes: ['+4420'] }, trunks: ['refuse-a', 'b'], callerId: 'local' },
      { match: { prefixes: ['+4416'] }, trunks: ['b'], callerId: 'local' },
    ],
    routing: { health: { maxConsecutiveFailures: 1000, minAsr: 0 } },
  });
  const router = new Router(compileTable(config.trunks, config.routes, 60_000), { window: 50, minCalls: 20, minAsr: 0, maxConsecutiveFailures: 1_000_000, openMs: 1 });
  const dialer = new DialerPbx({ nodes: [{ name: 'stub', pbx: stub }], clock: systemClock, logger, defaultLimits: { cps: 1_000_000, maxConcurrent: 1_000_000 }, queueMaxLength: 10, queueTimeoutMs: 1000, healthCheckMs: 1000, downAfterChecks: 3 });
  const routed = new RoutedPbx(dialer, router, systemClock, logger);
  await routed.start();
  const run = async (to: string, n: number): Promise<number> => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const r = await routed.originate({ to, lang: 'en', channel: 'call', ringTimeoutMs: 30_000, tag: 'b' }, { timeoutMs: 60_000 });
      if (!r.ok || r.route?.trunk !== 'b') throw new Error('unexpected route');
      await r.call.hangup();
    }
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  await run('+442079460123', 2000);
  await run('+441619460123', 2000);
  const withFailover = await run('+442079460123', 20_000);
  const direct = await run('+441619460123', 20_000);
  await routed.stop();
  process.stdout.write('\nFailover engine time (router + dialer on stub PBXs answering at once)\n');
  process.stdout.write(`  answered on the first trunk     : ${direct.toFixed(1)} µs per call\n`);
  process.stdout.write(`  refused (503), answered on next : ${withFailover.toFixed(1)} µs per call\n`);
  process.stdout.write(`  failover adds                   : ${(withFailover - direct).toFixed(1)} µs of engine time (target ≤ 50 ms)\n`);
}

async function main(): Promise<void> {
  decisions();
  await failover();
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
