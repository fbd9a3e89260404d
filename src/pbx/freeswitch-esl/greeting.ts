import type { OperationOptions, PlayItem } from '../port';
import type { ExecOptions, ExecOutcome } from './app-run';

/** Cap on a greeting nobody adopts (the script always plays it or hangs up long before). */
const UNADOPTED_MAX_MS = 10 * 60_000;

type DigitRule = NonNullable<ExecOptions['onDigit']>;

/**
 * The greeting (`OriginateRequest.greeting`): a prompt list the originate itself plays before
 * `park` (its inline dialplan), so that it starts in the first 20 ms frame after the answer
 * (docs/freeswitch.md "The greeting"). FreeSwitchCall follows it from the BACKGROUND_JOB on.
 *
 * It is an ordinary application run whose deadline and signal are ours until the script's first
 * `play` of the same items adopts it: from then on that play's deadline, signal and digit rule
 * apply. Anything else the script does first drops it (stopped), and that operation waits for
 * the stop as it would after any other run.
 */
export class Greeting {
  private readonly control = new AbortController();
  private readonly cap: NodeJS.Timeout;
  private rule: DigitRule | undefined;
  /** The first digit heard before the adoption, with the run's interrupt. */
  private early: { digit: string; interrupt: () => void } | undefined;
  readonly outcome: Promise<ExecOutcome>;

  /** `start` runs the application run with the options given. */
  constructor(
    readonly items: readonly PlayItem[],
    start: (opts: Pick<ExecOptions, 'timeoutMs' | 'signal' | 'onDigit'>) => Promise<ExecOutcome>,
  ) {
    this.cap = setTimeout(() => this.control.abort('timeout'), UNADOPTED_MAX_MS);
    this.cap.unref();
    this.outcome = start({
      timeoutMs: UNADOPTED_MAX_MS + 60_000,
      signal: this.control.signal,
      onDigit: (digit, interrupt) => {
        if (this.rule) this.rule(digit, interrupt);
        else this.early ??= { digit, interrupt };
      },
    });
    const clear = (): void => clearTimeout(this.cap);
    void this.outcome.then(clear, clear);
  }

  /** The script's first operation: the greeting when it plays these very items; otherwise the greeting is dropped. */
  handOver(items: readonly PlayItem[] | undefined): Greeting | undefined {
    if (items && items.length === this.items.length && items.every((item, i) => samePlayItem(item, this.items[i] as PlayItem))) return this;
    this.drop();
    return undefined;
  }

  /** The script's first play: its deadline, signal and digit rule take over the run already going. */
  async adopt(opts: OperationOptions, rule: DigitRule | undefined): Promise<ExecOutcome> {
    clearTimeout(this.cap);
    const timer = setTimeout(() => this.control.abort('timeout'), opts.timeoutMs);
    const onAbort = (): void => this.control.abort('aborted');
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.rule = rule;
    if (rule && this.early) rule(this.early.digit, this.early.interrupt);
    try {
      return await this.outcome;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Something else comes first: the greeting is stopped. */
  drop(): void {
    this.control.abort('aborted');
  }
}

function samePlayItem(a: PlayItem, b: PlayItem): boolean {
  return 'prompt' in a ? 'prompt' in b && a.prompt === b.prompt : 'silenceMs' in b && a.silenceMs === b.silenceMs;
}
