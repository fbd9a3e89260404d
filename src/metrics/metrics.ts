import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineMetrics } from '../verification/service-deps';

/** Prometheus metrics of one engine, on its own registry (no global state). */
export class Metrics implements EngineMetrics {
  readonly registry = new Registry();
  private readonly startedTotal: Counter<'workflow'>;
  private readonly endedTotal: Counter<'status'>;
  private readonly attemptsTotal: Counter<'channel' | 'result' | 'outcome'>;
  private readonly checksTotal: Counter<'result'>;
  private readonly webhooksTotal: Counter<'result'>;
  private readonly webhookSeconds: Histogram<'result'>;
  readonly httpSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly refusalsTotal: Counter<'code'>;
  /** Inbound calls on missed-call DIDs, by result (verified, no-match, anonymous, malformed, attestation, not-ours). */
  readonly inboundCallsTotal: Counter<'result'>;
  private readonly smsTotal: Counter<'gateway' | 'status'>;
  private readonly smsFailoverTotal: Counter<'gateway' | 'reason'>;
  private readonly smsUnmatchedTotal: Counter<'gateway' | 'why'>;

  private readonly historyWrittenTotal: Counter;
  private readonly fraudBlocksTotal: Counter;
  private fraudBlockedNow: () => number = () => 0;
  private readonly historyFailuresTotal: Counter;

  constructor(gauges: { pbxReady(): number; runningAttempts(): number; pendingWebhooks(): Promise<number>; historyBacklog?(): Promise<number> }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'pbxverify_' });
    this.startedTotal = new Counter({ name: 'pbxverify_verifications_started_total', help: 'Verifications started', labelNames: ['workflow'], registers });
    this.endedTotal = new Counter({ name: 'pbxverify_verifications_ended_total', help: 'Verifications ended, by final status', labelNames: ['status'], registers });
    this.attemptsTotal = new Counter({
      name: 'pbxverify_attempts_total',
      help: 'Workflow attempts completed, by channel, result and call outcome',
      labelNames: ['channel', 'result', 'outcome'],
      registers,
    });
    this.checksTotal = new Counter({ name: 'pbxverify_checks_total', help: 'Code checks, by result', labelNames: ['result'], registers });
    this.webhooksTotal = new Counter({ name: 'pbxverify_webhook_deliveries_total', help: 'Webhook delivery tries, by result', labelNames: ['result'], registers });
    this.webhookSeconds = new Histogram({
      name: 'pbxverify_webhook_delivery_seconds',
      help: 'Webhook delivery duration',
      labelNames: ['result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'pbxverify_http_request_duration_seconds',
      help: 'API request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.smsTotal = new Counter({ name: 'pbxverify_sms_total', help: 'SMS by gateway and status (submitted, refused, delivered, failed)', labelNames: ['gateway', 'status'], registers });
    this.smsFailoverTotal = new Counter({ name: 'pbxverify_sms_failover_total', help: 'SMS gateways skipped or failed over, by reason', labelNames: ['gateway', 'reason'], registers });
    this.smsUnmatchedTotal = new Counter({ name: 'pbxverify_sms_receipts_ignored_total', help: 'Delivery receipts that changed nothing (unknown message, forged token or signature)', labelNames: ['gateway', 'why'], registers });
    this.historyWrittenTotal = new Counter({ name: 'pbxverify_history_events_written_total', help: 'History events written to the history database', registers });
    this.historyFailuresTotal = new Counter({ name: 'pbxverify_history_write_failures_total', help: 'History batches that could not be written (database unavailable)', registers });
    new Gauge({
      name: 'pbxverify_history_backlog',
      help: 'History events waiting in the outbox for the history database',
      registers,
      async collect() {
        this.set(gauges.historyBacklog ? await gauges.historyBacklog().catch(() => -1) : 0);
      },
    });
    this.fraudBlocksTotal = new Counter({ name: 'pbxverify_fraud_blocks_total', help: 'Destination prefixes the fraud guard blocked (high volume, collapsed conversion)', registers });
    const blockedNow = (): number => this.fraudBlockedNow();
    new Gauge({ name: 'pbxverify_fraud_blocked_prefixes', help: 'Destination prefixes blocked by the fraud guard now', registers, collect() { this.set(blockedNow()); } });
    this.refusalsTotal = new Counter({ name: 'pbxverify_refusals_total', help: 'Requests refused, by error code', labelNames: ['code'], registers });
    this.inboundCallsTotal = new Counter({ name: 'pbxverify_inbound_calls_total', help: 'Calls to missed-call numbers, by result; every one is rejected', labelNames: ['result'], registers });
    new Gauge({ name: 'pbxverify_pbx_ready', help: '1 when the PBX can place calls', registers, collect() { this.set(gauges.pbxReady()); } });
    new Gauge({ name: 'pbxverify_attempts_running', help: 'Attempts running in this engine', registers, collect() { this.set(gauges.runningAttempts()); } });
    new Gauge({
      name: 'pbxverify_webhooks_pending',
      help: 'Webhook deliveries waiting in the outbox',
      registers,
      async collect() {
        this.set(await gauges.pendingWebhooks());
      },
    });
  }

  started(workflow: string): void {
    this.startedTotal.inc({ workflow });
  }

  ended(status: string): void {
    this.endedTotal.inc({ status });
  }

  attempt(channel: string, result: string, outcome: string | undefined): void {
    this.attemptsTotal.inc({ channel, result, outcome: outcome ?? 'none' });
  }

  sms(gateway: string, status: string): void {
    this.smsTotal.inc({ gateway, status });
  }

  smsFailover(gateway: string, reason: string): void {
    this.smsFailoverTotal.inc({ gateway, reason });
  }

  smsReceiptIgnored(gateway: string, why: string): void {
    this.smsUnmatchedTotal.inc({ gateway, why });
  }

  check(result: 'approved' | 'wrong' | 'refused'): void {
    this.checksTotal.inc({ result });
  }

  fraudBlocked(): void {
    this.fraudBlocksTotal.inc();
  }

  fraudBlockedPrefixes(read: () => number): void {
    this.fraudBlockedNow = read;
  }

  historyWritten(n: number): void {
    this.historyWrittenTotal.inc(n);
  }

  historyWriteFailed(): void {
    this.historyFailuresTotal.inc();
  }

  delivery(result: 'delivered' | 'retry' | 'dropped', seconds: number): void {
    this.webhooksTotal.inc({ result });
    this.webhookSeconds.observe({ result }, seconds);
  }
}
