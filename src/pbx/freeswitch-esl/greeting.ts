import { randomUUID } from 'node:crypto';
import type { OperationOptions, PlayItem } from '../port';
import { executeMessage, type ExecOptions, type ExecOutcome, type QueuedApp } from './app-run';
import type { CommandResult, EslLink } from './esl-link';

/** Cap on a greeting nobody adopts (the script always plays it or hangs up long before). */
const UNADOPTED_MAX_MS = 10 * 60_000;

type DigitRule = NonNullable<ExecOptions['onDigit']>;

/**
 * The greeting (`OriginateRequest.greeting`): a prompt list FreeSwitchCall starts at the
 * BACKGROUND_JOB, before the script asks for it, so that its first `sendmsg` reaches the channel
 * before `&park()`'s first 20 ms read (docs/freeswitch.md "The greeting").
 *
 * It runs as an ordinary application run whose deadline and signal are ours until the script's
 * first `play` of the same items adopts it: from then on that play's deadline, signal and digit
 * rule apply. Anything else the script does first drops it (stopped like any run: `uuid_break all`,
 * then the barrier), and that operation waits for the stop as it would after any other run.
 */
export class Greeting {
  private readonly control = new AbortController();
  private readonly cap: NodeJS.Timeout;
  private rule: DigitRule | undefined;
  /** The first digit heard before the adoption, with the run's interrupt. */
  private early: { digit: string; interrupt: () => void } | undefined;
  readonly outcome: Promise<ExecOutcome>;

  /** `start` runs the application run with the options given; its first command is sent before it returns. */
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

/** Writes the first `execute` of the greeting's segments at once (EslLink.sendAtOnce); the run sends the rest. */
export function writeFirst(link: EslLink, uuid: string, segments: readonly string[]): { queue: QueuedApp[]; first: Promise<CommandResult> } {
  const queue = segments.map((arg) => ({ arg, id: randomUUID() }));
  const head = queue[0] as QueuedApp;
  return { queue, first: link.sendAtOnce(`sendmsg ${uuid}`, executeMessage('playback', head.arg, head.id, queue.length > 1)) };
}

function samePlayItem(a: PlayItem, b: PlayItem): boolean {
  return 'prompt' in a ? 'prompt' in b && a.prompt === b.prompt : 'silenceMs' in b && a.silenceMs === b.silenceMs;
}
