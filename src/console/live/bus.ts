/**
 * The live event bus: one per engine, in process. The engine feeds it (domain events through
 * {@link liveSink}, call progress through {@link ObservedPbx}); the SSE streams at GET /v1/events
 * and /console/api/events read it. Publishing never blocks or throws: a slow stream drops its
 * own events (see sse.ts), never the engine's.
 *
 * Events carry no phone number, no code and no digits: a number appears masked, digits as a count.
 */
export const LIVE_EVENT_TYPES = [
  'verification.started',
  'verification.approved',
  'verification.failed',
  'verification.expired',
  'verification.canceled',
  'attempt.started',
  'attempt.ringing',
  'attempt.answered',
  'attempt.gate',
  'attempt.playing',
  'attempt.digits',
  'attempt.ended',
  'sms.submitted',
  'sms.delivered',
  'sms.failed',
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  /** Increasing per engine: the SSE `id`. */
  seq: number;
  type: LiveEventType;
  at: number;
  verificationId: string;
  /** Attempt number (1-based) for attempt.* and sms.*. */
  attempt?: number | undefined;
  keyId?: string | undefined;
  trunk?: string | undefined;
  channel?: string | undefined;
  /** Masked number (`+44791*****12`). */
  to?: string | undefined;
  status?: string | undefined;
  /** attempt.ended: normalized outcome, result and raw cause. */
  outcome?: string | undefined;
  result?: string | undefined;
  q850?: number | undefined;
  sip?: number | undefined;
  /** attempt.gate: `passed`, `wrong` or `none`. */
  gate?: string | undefined;
  /** attempt.digits: how many digits were typed (never which). */
  digits?: number | undefined;
  /** attempt.playing: prompt ids (no digits: the code's digits are played as `digit-N`, shown as a count). */
  prompts?: number | undefined;
}

export type LiveEventInput = Omit<LiveEvent, 'seq' | 'at'> & { at?: number };

export type LiveListener = (event: LiveEvent) => void;

/** Where a verification's key and trunk are remembered for call events that lack them. */
interface Context {
  keyId: string;
  channel?: string | undefined;
  trunk?: string | undefined;
  to?: string | undefined;
}

export class LiveEventBus {
  private readonly listeners = new Set<LiveListener>();
  private readonly contexts = new Map<string, Context>();
  private seq = 0;

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Remembers a verification's key (and number, masked) so its call events can be filtered by key. */
  remember(verificationId: string, context: Context): void {
    const had = this.contexts.get(verificationId);
    this.contexts.set(verificationId, { ...had, ...context });
    // bounded: the oldest go first (Map keeps insertion order)
    if (this.contexts.size > 50_000) this.contexts.delete(this.contexts.keys().next().value as string);
  }

  forget(verificationId: string): void {
    this.contexts.delete(verificationId);
  }

  publish(input: LiveEventInput): void {
    if (this.listeners.size === 0) return;
    const context = this.contexts.get(input.verificationId);
    const event: LiveEvent = {
      ...input,
      seq: ++this.seq,
      at: input.at ?? this.now(),
      keyId: input.keyId ?? context?.keyId,
      trunk: input.trunk ?? context?.trunk,
      channel: input.channel ?? context?.channel,
      to: input.to ?? context?.to,
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's fault is its own
      }
    }
  }
}
