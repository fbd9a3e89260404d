import type { Logger } from 'pino';
import type { Clock } from '../lib/clock';
import type { Store } from '../store/port';
import type { CodeVault } from './codes';
import type { VerificationRecord } from './model';
import type { Admission } from './policy/admission';
import type { ChannelRunner, EnginePeers, EventSink, FlashCallerIds, MissedCallNumbers, SchedulerKick, UrlGuard } from './ports';
import type { StartPolicy } from './start-request';

// What the verification service (service.ts) needs, and what it answers.

export interface EngineMetrics {
  started(workflow: string): void;
  ended(status: string): void;
  attempt(channel: string, result: string, outcome: string | undefined): void;
  check(result: 'approved' | 'wrong' | 'refused'): void;
}

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  vault: CodeVault;
  logger: Logger;
  policy: StartPolicy;
  /** How long finished verifications stay readable. */
  retentionMs: number;
  runner: ChannelRunner;
  events: EventSink;
  urlGuard: UrlGuard;
  scheduler: SchedulerKick;
  metrics: EngineMetrics;
  /** Abuse controls every start passes before anything is stored or dialled (policy/admission.ts). */
  admission?: Admission | undefined;
  /** This engine instance (recorded on attempts it runs). */
  instanceId: string;
  /** Flash-call caller IDs (pools, ranges, claims); flash steps report an error without. */
  flash?: FlashCallerIds | undefined;
  /** Missed-call DIDs; missed-call workflows are refused without. */
  missedCall?: MissedCallNumbers | undefined;
  /** The other engines sharing the store (scale-out); absent with a single engine. */
  peers?: EnginePeers | undefined;
  /**
   * Told the code of each reverse step, as the website would show it. Only the simulator
   * listens (its simulated users type what they "see"); unset with a real PBX.
   */
  onCodeShown?: ((to: string, code: string, verificationId: string) => void) | undefined;
  /** Told the number a missed-call verification shows (the simulator's `calls-in` users call it). */
  onCallToShown?: ((to: string, callTo: string) => void) | undefined;
}

export interface StartResult {
  record: VerificationRecord;
  /** Returned only for keypad (reverse) workflows, where the website must show it. */
  code?: string;
}

export interface CheckResult {
  record: VerificationRecord;
  verified: boolean;
  attemptsRemaining: number;
}
