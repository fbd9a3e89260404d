import type { FastifyInstance } from 'fastify';

/** A route plugin a capability adds to the HTTP API (registered after the built-in routes). */
export type ApiRoutes = (app: FastifyInstance) => void | Promise<void>;

/**
 * One capability's wiring (store, pbx, webhooks…): it builds its concrete parts from its slice
 * of the configuration and owns their start and stop. src/main.ts lists the capabilities in
 * dependency order (each may use those before it), starts them in that order and stops them in
 * reverse. A new capability is one file in src/app/ and one line in that list.
 */
export interface Capability {
  /** Short name, for errors ("store", "pbx"). */
  readonly name: string;
  /** Opens connections and starts background loops. Rejects when the capability cannot run. */
  start(): Promise<void>;
  /**
   * Graceful stop. Safe to call when start never ran or failed, and twice: the engine's stop
   * asks every capability, whatever happened at start.
   */
  stop(): Promise<void>;
  /**
   * Manual test clock only (testing.manualClock): runs whatever became due now and resolves once
   * it is done. Ticks run from the last capability to the first, like stop, so work that one
   * makes due (a job that publishes an event) is carried out by those before it (the webhook
   * outbox) within the same tick.
   */
  tick?(): Promise<void>;
  /** Route plugins this capability adds to the HTTP API. */
  readonly routes?: readonly ApiRoutes[];
}

/**
 * Starts the capabilities in order. When one fails, those already started are stopped (in
 * reverse) before the failure is rethrown, so no loop or connection outlives a failed start.
 */
export async function startAll(capabilities: readonly Capability[]): Promise<void> {
  const started: Capability[] = [];
  for (const capability of capabilities) {
    try {
      await capability.start();
    } catch (err) {
      await stopAll(started).catch(() => undefined);
      throw err;
    }
    started.push(capability);
  }
}

/** Stops the capabilities in reverse order (every one is asked, even after a failure). */
export async function stopAll(capabilities: readonly Capability[]): Promise<void> {
  let failure: Error | undefined;
  for (const capability of [...capabilities].reverse()) {
    try {
      await capability.stop();
    } catch (err) {
      failure ??= err instanceof Error ? err : new Error(`${capability.name}: ${String(err)}`);
    }
  }
  if (failure) throw failure;
}

/** Runs every capability's due work, last to first (see {@link Capability.tick}). */
export async function tickAll(capabilities: readonly Capability[]): Promise<void> {
  for (const capability of [...capabilities].reverse()) await capability.tick?.();
}

/** The capabilities' route plugins, in list order. */
export function routesOf(capabilities: readonly Capability[]): ApiRoutes[] {
  return capabilities.flatMap((capability) => capability.routes ?? []);
}
