/**
 * A deadline that can be cancelled once the operation is over. Cheaper than
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` per REST call (which in Node 20 keeps a
 * timer and a dependent signal alive until the timeout fires): measured in bench/ari.bench.ts.
 */
export interface Deadline {
  signal: AbortSignal;
  /** True when the time ran out (as opposed to the caller's signal). */
  readonly expired: boolean;
  /** Stops the timer and the link to the caller's signal. */
  done(): void;
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const onParent = (): void => controller.abort(parent?.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error('deadline'));
  }, ms);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    done() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
