import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Pbx } from '../port';

export interface NodeSpec {
  /** For logs and health (a URL without credentials, or `simulator`). */
  name: string;
  pbx: Pbx;
  /** Calls this node may carry at once (its channel capacity); unlimited when absent. */
  maxConcurrent?: number | undefined;
}

/**
 * One PBX node as the dialer tracks it: up or down (from its driver's health, checked
 * periodically), the calls it carries, and a signal that fires when it is declared lost so the
 * calls on it end cleanly. Each up period gets a fresh signal.
 */
export class PbxNode {
  readonly name: string;
  readonly pbx: Pbx;
  readonly maxConcurrent: number;
  active = 0;
  private up = false;
  private misses = 0;
  private lostController = lostSignalController();
  private started = false;
  private stopped = false;
  private starting: Promise<void> | undefined;
  private nextStartAt = 0;
  private startBackoffMs = 1_000;
  private lastError: string | undefined;

  constructor(
    spec: NodeSpec,
    private readonly logger: Logger,
    private readonly downAfterChecks: number,
  ) {
    this.name = spec.name;
    this.pbx = spec.pbx;
    this.maxConcurrent = spec.maxConcurrent ?? Number.POSITIVE_INFINITY;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Fires when this node is declared lost (for the calls and dials of the current up period). */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  get hasCapacity(): boolean {
    return this.up && this.active < this.maxConcurrent;
  }

  /** Starts the driver; resolves true when it started (the node is then up if its health says so). */
  async start(): Promise<boolean> {
    if (this.stopped) return false;
    this.starting ??= this.pbx
      .start()
      .then(() => {
        this.started = true;
        this.startBackoffMs = 1_000;
        this.lastError = undefined;
      })
      .catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.nextStartAt = Date.now() + this.startBackoffMs;
        this.startBackoffMs = Math.min(this.startBackoffMs * 2, 30_000);
        this.logger.warn({ node: this.name, err: { message: this.lastError } }, 'pbx node did not start');
      })
      .finally(() => {
        this.starting = undefined;
      });
    await this.starting;
    if (this.started && !this.stopped) this.check();
    return this.started;
  }

  /**
   * One health check. Returns true when the state changed. A node goes down after
   * `downAfterChecks` failed checks in a row (a driver reconnecting for a moment keeps its
   * calls) and comes up on the first good one. A node whose start failed is started again with
   * backoff.
   */
  check(): boolean {
    if (this.stopped) return false;
    if (!this.started) {
      if (!this.starting && Date.now() >= this.nextStartAt) void this.start();
      return false;
    }
    const ready = this.pbx.health().ready;
    if (ready) {
      this.misses = 0;
      if (this.up) return false;
      this.up = true;
      this.logger.info({ node: this.name }, 'pbx node up');
      return true;
    }
    this.misses++;
    if (!this.up || this.misses < this.downAfterChecks) return false;
    this.markDown(`health: ${this.pbx.health().detail}`);
    return true;
  }

  /** Declares the node lost now: its calls end, new calls go elsewhere. */
  markDown(why: string): void {
    if (!this.up) return;
    this.up = false;
    this.logger.warn({ node: this.name, why, calls: this.active }, 'pbx node down');
    const controller = this.lostController;
    this.lostController = lostSignalController();
    controller.abort(new Error(`pbx node ${this.name} lost`));
  }

  /** For /readyz. */
  describe(): string {
    if (!this.started) return `${this.name}: not started${this.lastError ? ` (${this.lastError})` : ''}`;
    return `${this.name}: ${this.up ? 'up' : 'down'} (${this.pbx.health().detail}), ${this.active} calls`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.up = false;
    await this.starting;
    await this.pbx.stop();
  }
}

/** Every call and dial on a node listens to its signal: many listeners are expected, not a leak. */
function lostSignalController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
