/**
 * Long tasks in a V8 CPU profile (`node --cpu-prof`, e.g. the engine's under BENCH_CPU_PROF):
 * a task is a run of samples that are not `(idle)`, i.e. a stretch in which the event loop did
 * not get back to waiting for I/O. Prints how busy the process was, the distribution of task
 * lengths, and, for the tasks longer than the threshold, the functions they spent their time in
 * (inclusive: a function counts once per sample it is on the stack of), plus GC's share.
 *
 *   npx tsx bench/lib/long-tasks.ts <file.cpuprofile> [threshold ms, default 10] [top, default 25]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `fn (package or file:line)`, short enough to read. */
function label(node: Node): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  const where = pkg ?? url.replace(/^.*\/(dist|src)\//, '$1/').replace(/^node:/, '');
  return `${name} (${where}:${lineNumber + 1})`;
}

/**
 * Parts of the engine, in priority order: a sample goes to the first part that has a frame on its
 * stack (history before logging: a log line the writer emits is the writer's cost).
 */
const PARTS: [string, RegExp][] = [
  ['GC', /^\(garbage collector\)/],
  ['history writer (SQLite)', /history\/(writer|sql\/|sqlite\/|outbox\/)|\((kysely|better-sqlite3):/],
  ['history recorder', /history\/recorder/],
  ['console live feed', /console\/live\//],
  ['logging', /\((pino|sonic-boom|pino-std-serializers|fast-redact):/],
  ['metrics', /\(prom-client:/],
  ['number parsing', /\(libphonenumber-js:/],
  ['step execution', /\b(runStep|runJob|tick) \(dist\/verification|dist\/(sms|channels|pbx|scheduler)\//],
  ['start request path', /\b(start|buildStart) \(dist\/verification/],
  ['check', /\b(check|checkRecord) \(dist\/verification/],
  ['HTTP and fastify', /\((fastify|find-my-way|avvio|light-my-request|secure-json-parse|fast-json-stringify)\b|_http_|\(net:|internal\/streams|stream_base/],
  ['start-up (module loading)', /internal\/modules\/cjs/],
  ['(program)', /^\(program\)/],
];

/** Busy time by part of the engine (PARTS), over all samples that are not idle. */
export function byPart(profile: Profile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const partOf = new Map<number, string>();
  const totals = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const leaf = profile.samples[i] as number;
    if (byId.get(leaf)?.callFrame.functionName === '(idle)') continue;
    let part = partOf.get(leaf);
    if (part === undefined) {
      const stack: string[] = [];
      for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) stack.push(label(byId.get(id) as Node));
      part = PARTS.find(([, re]) => stack.some((frame) => re.test(frame)))?.[0] ?? 'other';
      partOf.set(leaf, part);
    }
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    busy += ms;
    totals.set(part, (totals.get(part) ?? 0) + ms);
  }
  return ['busy time by part:', ...[...totals].sort((a, b) => b[1] - a[1]).map(([name, ms]) => `  ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${name}`)].join('\n');
}

export function longTasks(profile: Profile, thresholdMs: number, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));

  // Sample i lasts until the next sample: timeDeltas[i + 1].
  const tasks: { start: number; samples: number[]; ms: number }[] = [];
  let current: { start: number; samples: number[]; ms: number } | undefined;
  let t = profile.startTime;
  let busyMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const id = profile.samples[i] as number;
    if (idle.has(id)) {
      current = undefined;
      continue;
    }
    busyMs += ms;
    if (!current) tasks.push((current = { start: t, samples: [], ms: 0 }));
    current.samples.push(i);
    current.ms += ms;
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const long = tasks.filter((k) => k.ms >= thresholdMs);
  const lines = [
    `profile ${(totalMs / 1000).toFixed(1)} s, busy ${((busyMs / totalMs) * 100).toFixed(0)} %, ${tasks.length} tasks; ` +
      [1, 5, 10, 20, 50, 100].map((x) => `≥${x} ms: ${tasks.filter((k) => k.ms >= x).length}`).join(', '),
    `longest: ${[...tasks].sort((a, b) => b.ms - a.ms).slice(0, 8).map((k) => `${k.ms.toFixed(0)} ms`).join(', ')}`,
  ];
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let longMs = 0;
  for (const task of long) {
    for (const i of task.samples) {
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      longMs += ms;
      const leaf = label(byId.get(profile.samples[i] as number) as Node);
      self.set(leaf, (self.get(leaf) ?? 0) + ms);
      let id: number | undefined = profile.samples[i];
      const seen = new Set<string>();
      for (; id !== undefined; id = parent.get(id)) {
        const name = label(byId.get(id) as Node);
        if (seen.has(name) || name === '(root)') continue;
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
  }
  const table = (m: Map<string, number>): string[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => `  ${((ms / longMs) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
  lines.push(`tasks ≥ ${thresholdMs} ms: ${long.length}, ${longMs.toFixed(0)} ms in all (${((longMs / totalMs) * 100).toFixed(1)} % of the time); inclusive:`, ...table(inclusive), 'self:', ...table(self));
  return lines.join('\n');
}

if (require.main === module) {
  const [file, threshold, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: long-tasks.ts <file.cpuprofile> [threshold ms] [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  process.stdout.write(`${byPart(profile)}\n${longTasks(profile, Number(threshold ?? 10), Number(top ?? 25))}\n`);
}
