/**
 * Time as the engine sees it. Injected everywhere so tests never sleep for real minutes:
 * the e2e suite runs the server with a {@link ManualClock} and moves it over HTTP.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. Starts at the real time it was created. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  private readonly frozenAt: number;

  constructor(start: number = Date.now()) {
    this.frozenAt = start;
  }

  now(): number {
    return this.frozenAt + this.offsetMs;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance() takes a non-negative number of ms');
    this.offsetMs += ms;
    return this.now();
  }
}
