import type { CallEnd, CollectOptions, CollectResult, PlayItem, PlayResult } from './port';

/**
 * Digit collection for PBXs that deliver DTMF as events and have no native
 * "play and get digits" (the simulator; ARI, where DTMF does not stop a playback by itself:
 * see test/fixtures/ari/cases/answer-and-press.json). FreeSWITCH uses play_and_get_digits.
 *
 * Semantics shared by every driver: digits pressed during the prompt stop it and count;
 * the first-digit timer starts when the prompt ends; the terminator ends input and is not
 * returned; `maxDigits` ends input; the total timer caps everything including the prompt.
 */
export interface CollectDeps {
  /** Plays the prompt; must stop and resolve `aborted` when the signal fires. */
  play(items: PlayItem[], signal: AbortSignal): Promise<PlayResult>;
  /** Subscribes to DTMF; returns the unsubscribe function. */
  onDtmf(listener: (digit: string) => void): () => void;
  /** Resolves when the call ends. */
  ended: Promise<CallEnd>;
  /** Timer source (scaled by the simulator). */
  setTimer(fn: () => void, ms: number): () => void;
}

export function collectDigits(opts: CollectOptions, deps: CollectDeps): Promise<CollectResult> {
  const terminator = opts.terminator ?? '#';
  return new Promise<CollectResult>((resolve) => {
    const digits: string[] = [];
    const stopPrompt = new AbortController();
    let promptDone = !opts.prompt || opts.prompt.length === 0;
    let settled = false;
    let cancelWait: (() => void) | undefined;

    const finish = (result: CollectResult): void => {
      if (settled) return;
      settled = true;
      unsubscribe();
      cancelTotal();
      cancelWait?.();
      stopPrompt.abort();
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const ok = (endedBy: 'terminator' | 'max-digits' | 'timeout'): void =>
      finish({ ok: true, digits: digits.join(''), endedBy });

    const armWait = (): void => {
      cancelWait?.();
      if (!promptDone) return;
      const ms = digits.length === 0 ? opts.firstDigitTimeoutMs : opts.interDigitTimeoutMs;
      cancelWait = deps.setTimer(() => ok('timeout'), ms);
    };

    const unsubscribe = deps.onDtmf((digit) => {
      if (settled) return;
      if (!promptDone) {
        promptDone = true;
        stopPrompt.abort();
      }
      if (digit === terminator) return ok('terminator');
      digits.push(digit);
      if (digits.length >= opts.maxDigits) return ok('max-digits');
      armWait();
    });
    const cancelTotal = deps.setTimer(() => ok('timeout'), opts.totalTimeoutMs);
    const onAbort = (): void => finish({ ok: false, reason: 'aborted' });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    void deps.ended.then((end) => finish({ ok: false, reason: 'ended', end }));

    if (promptDone) {
      armWait();
    } else {
      void deps.play(opts.prompt as PlayItem[], stopPrompt.signal).then((result) => {
        if (settled) return;
        if (!result.ok && result.reason === 'ended') return finish(result);
        if (!promptDone) {
          promptDone = true;
          armWait();
        }
      });
    }
  });
}
