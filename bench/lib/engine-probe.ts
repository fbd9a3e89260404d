/**
 * The engine's own view of a load window, from its Prometheus /metrics (prom-client's default
 * metrics): event-loop delay and GC pauses. prom-client resets its `monitorEventLoopDelay`
 * histogram at every scrape, so a scrape right before a window and one right after it give the
 * window's delays; the GC histogram is cumulative, so the window's pauses are the difference.
 *
 * The histogram is sampled every 10 ms (prom-client's `eventLoopMonitoringPrecision`) and holds the
 * time between two samples, so 10 ms means no delay: the figures here are that time minus 10 ms.
 * prom-client observes only the first GC entry of each batch the observer hands it, so the GC
 * figures can miss pauses (a CPU profile's "(garbage collector)" samples are the cross-check).
 */

const PRECISION_MS = 10;

export interface LoopSample {
  p50: number;
  p99: number;
  max: number;
  /** GC pause time (ms) over the window, all kinds. */
  gcMs: number;
  /** GC pauses over the window, and those longer than 10 ms. */
  gcCount: number;
  gcOver10ms: number;
}

interface Scrape {
  text: string;
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return { text: await res.text() };
}

/** Sum of every series of `name` (any labels, optionally filtered by a label fragment such as `le="0.01"`). */
function total(text: string, name: string, fragment = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(fragment)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The window between two scrapes of one engine (`after` carries the loop delays since `before`). */
export function loopSample(before: Scrape, after: Scrape, prefix = 'pbxverify_'): LoopSample {
  const lag = (which: string): number => Math.max(0, total(after.text, `${prefix}nodejs_eventloop_lag_${which}_seconds`) * 1000 - PRECISION_MS);
  const gc = (name: string, fragment = ''): number => total(after.text, `${prefix}nodejs_gc_duration_seconds_${name}`, fragment) - total(before.text, `${prefix}nodejs_gc_duration_seconds_${name}`, fragment);
  const count = gc('count');
  return { p50: lag('p50'), p99: lag('p99'), max: lag('max'), gcMs: gc('sum') * 1000, gcCount: count, gcOver10ms: count - gc('bucket', 'le="0.01"') };
}
