import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESL_RECORDINGS } from '../../fixtures/paths';
import { EslServer, type SwitchBackend } from './esl-server';
import { EventFactory, type ChannelView } from './event-factory';
import type { EventBody } from './frames';

/** One recorded case (test/fixtures/esl/cases/<case>.json): key headers of every event, in wire order. */
export interface RecordedCase {
  case: string;
  description: string;
  legs: Record<string, string>;
  steps: Array<{ what: string; result?: { body?: string } }>;
  events: Array<Record<string, string | number>>;
}

export function loadCases(): RecordedCase[] {
  const dir = join(ESL_RECORDINGS, 'cases');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RecordedCase);
}

type Recorded = Record<string, string | number>;

/**
 * Replays a recorded FreeSWITCH case over a real event socket: when the driver originates, the
 * recorded events come back in their recorded order (the A leg renamed to the driver's
 * origination_uuid, the job to its Job-UUID); when it executes an application, the recorded
 * segment of that application comes back with its Event-UUID as Application-UUID; when it hangs
 * up, the rest. The driver sees what the real FreeSWITCH sent, header for header where the
 * recording kept them, and filters apply as on the real one.
 *
 * Mapped on the way: `variable_qa_digits` (the recording client's variable) becomes the
 * variable the driver asked play_and_get_digits for; a synchronous `api originate` recording
 * (…-busy-api) gives its api reply as the BACKGROUND_JOB body.
 */
export class ReplayFreeSwitch implements SwitchBackend {
  readonly factory = new EventFactory();
  readonly server: EslServer;
  /** What the driver did that the recording cannot answer (asserted empty by the tests). */
  readonly mismatches: string[] = [];
  readonly password = 'pbxverify-replay';
  port = 0;
  private aUuid = '';
  private readonly uuids = new Map<string, string>();
  private queue: Recorded[] = [];
  private rest: Recorded[] = [];
  private destroyed = false;
  private variable = 'qa_digits';

  constructor(
    private readonly recorded: RecordedCase,
    private readonly gapMs = 2,
  ) {
    this.server = new EslServer({ password: this.password }, this, this.factory);
  }

  url(): string {
    return `esl://:${this.password}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await this.server.listen();
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  private get recordedA(): string {
    return Object.entries(this.recorded.legs).find(([, leg]) => leg === 'A')?.[0] ?? '';
  }

  private isA(e: Recorded): boolean {
    return e['Unique-ID'] === this.recordedA;
  }

  async api(command: string): Promise<string> {
    const [verb = '', uuid = ''] = command.split(' ');
    if (verb === 'originate') return this.originate(command.slice('originate '.length));
    if (uuid !== this.aUuid || this.destroyed) return verb === 'uuid_recv_dtmf' ? '-ERR Cannot locate session!\n' : '-ERR No such channel!\n';
    if (verb === 'uuid_kill') {
      // The rest of the recording (its hang-up) is what our hang-up gets.
      await this.play(this.rest);
      this.rest = [];
      return '+OK\n';
    }
    if (verb === 'uuid_break' || verb === 'uuid_recv_dtmf') return verb === 'uuid_break' ? '+OK\n' : `+OK ${uuid} received DTMF.\n`;
    this.mismatches.push(`api ${verb}`);
    return `-ERR ${verb} Command not found!\n`;
  }

  async job(command: string): Promise<string> {
    return this.api(command);
  }

  async sendmsg(uuid: string, headers: Record<string, string>): Promise<string> {
    if (uuid !== this.aUuid || this.destroyed) return `-ERR invalid session id [${uuid}]`;
    const app = headers['execute-app-name'] ?? '';
    // The driver's wake-up at CHANNEL_ANSWER, a call-command FreeSWITCH answers +OK and ignores
    // (recorded in test/fixtures/esl/playback/sip-queued-announcement): no event of the cases.
    if (headers['call-command'] !== 'execute') return '+OK';
    const start = this.rest.findIndex((e) => this.isA(e) && e.event === 'CHANNEL_EXECUTE' && e.Application === app);
    if (start < 0) {
      this.mismatches.push(`execute ${app}: not in the recording`);
      return '+OK';
    }
    const end = this.rest.findIndex((e, i) => i > start && this.isA(e) && e.event === 'CHANNEL_EXECUTE_COMPLETE' && e.Application === app);
    const segment = this.rest.slice(start, end < 0 ? undefined : end + 1);
    const skipped = this.rest.slice(0, start);
    this.rest = end < 0 ? [] : this.rest.slice(end + 1);
    if (app === 'play_and_get_digits') this.variable = /\s(\w+)\s\\d\+/.exec(String(segment[0]?.['Application-Data'] ?? ''))?.[1] ?? this.variable;
    const appId = headers['Event-UUID'] ?? randomUUID();
    const arg = headers['execute-app-arg'] ?? '';
    const wanted = (headers['execute-app-arg'] ?? '').split(' ')[7];
    setImmediate(() => {
      void this.play([...skipped, ...segment], { app, appId, arg, variable: wanted }).then(() => this.afterApp());
    });
    return '+OK';
  }

  /** After our application: a hang-up the callee made (B leg first) follows by itself; ours waits for uuid_kill. */
  private async afterApp(): Promise<void> {
    const aHangup = this.rest.findIndex((e) => this.isA(e) && e.event === 'CHANNEL_HANGUP');
    const bHangup = this.rest.findIndex((e) => !this.isA(e) && e.event === 'CHANNEL_HANGUP');
    if (aHangup >= 0 && bHangup >= 0 && bHangup < aHangup) {
      const rest = this.rest;
      this.rest = [];
      await this.play(rest);
    }
  }

  private originate(arg: string): Promise<string> {
    this.aUuid = /origination_uuid=([0-9a-f-]+)/.exec(arg)?.[1] ?? randomUUID();
    for (const uuid of Object.keys(this.recorded.legs)) this.uuids.set(uuid, uuid === this.recordedA ? this.aUuid : randomUUID());
    const events = this.recorded.events;
    const jobAt = events.findIndex((e) => e.event === 'BACKGROUND_JOB');
    const apiReply = this.recorded.steps.find((s) => s.what === 'api originate')?.result?.body;
    // Up to the first application we start: the dial phase (and, for calls nothing drives, the call).
    const firstApp = events.findIndex((e) => this.isA(e) && e.event === 'CHANNEL_EXECUTE' && e.Application !== 'park');
    const parkAt = events.findIndex((e) => this.isA(e) && e.event === 'CHANNEL_PARK');
    const dialEnd = firstApp >= 0 ? firstApp : parkAt >= 0 ? parkAt + 1 : events.length;
    this.queue = events.slice(0, Math.max(dialEnd, jobAt + 1));
    this.rest = events.slice(this.queue.length);
    let body = apiReply !== undefined ? `${apiReply}\n` : undefined;
    return new Promise<string>((resolve) => {
      void this.play(this.queue, { onJob: (e) => resolve(`${String(e._body)}\n`) }).then(() => {
        if (body !== undefined) resolve(body);
        body = undefined;
        // A call no application of ours drives (uuid_displace recording) goes on by itself.
        if (firstApp < 0 && this.rest.length && !this.destroyed) {
          const rest = this.rest;
          this.rest = [];
          setTimeout(() => void this.play(rest), 100);
        }
      });
    });
  }

  /** Emits recorded events in order, `gapMs` apart, rewritten for this run. */
  private async play(events: Recorded[], ctx: { app?: string; appId?: string; arg?: string; variable?: string | undefined; onJob?: (e: Recorded) => void } = {}): Promise<void> {
    for (const recorded of events) {
      await new Promise((r) => setTimeout(r, this.gapMs));
      if (recorded.event === 'BACKGROUND_JOB') {
        ctx.onJob?.(recorded);
        continue; // the server sends the job event itself, with the driver's Job-UUID
      }
      const event = this.rewrite(recorded, ctx);
      if (recorded.event === 'CHANNEL_DESTROY' && this.isA(recorded)) this.destroyed = true;
      this.server.emit(event);
    }
  }

  private rewrite(recorded: Recorded, ctx: { app?: string; appId?: string; arg?: string; variable?: string | undefined }): EventBody {
    const uuid = this.uuids.get(String(recorded['Unique-ID'])) ?? randomUUID();
    const view: ChannelView = {
      uuid,
      name: String(recorded['Channel-Name'] ?? 'N/A'),
      leg: this.isA(recorded) ? 'a' : 'b',
      direction: recorded['Call-Direction'] === 'inbound' ? 'inbound' : 'outbound',
      state: String(recorded['Channel-State'] ?? 'CS_EXECUTE') as ChannelView['state'],
      callState: String(recorded['Channel-Call-State'] ?? 'ACTIVE') as ChannelView['callState'],
      answerState: String(recorded['Answer-State'] ?? 'answered') as ChannelView['answerState'],
      destination: String(recorded['Caller-Destination-Number'] ?? ''),
      callerIdNumber: '0000000000',
      source: String(recorded['Channel-Name'] ?? '').startsWith('sofia') ? 'mod_sofia' : 'mod_loopback',
      createdUs: 0,
      answeredUs: 0,
      hangupUs: 0,
      hangupCause: recorded['Hangup-Cause'] === undefined ? undefined : String(recorded['Hangup-Cause']),
      vars: new Map(),
    };
    const extra: Record<string, string> = {};
    for (const [key, value] of Object.entries(recorded)) {
      if (key === 'event' || key === 'leg' || key === 't_ms' || key === 'Unique-ID') continue;
      extra[key] = String(value);
    }
    // Only the application the driver executed gets its Event-UUID (not one nested inside it).
    const ours = this.isA(recorded) && ctx.appId !== undefined && recorded.Application !== undefined && recorded.Application === ctx.app;
    if (ours) {
      extra['Application-UUID'] = ctx.appId as string;
      extra['Application-Data'] = ctx.arg ?? '';
    }
    const digits = extra[`variable_${this.variable}`];
    if (digits !== undefined && ctx.variable) {
      delete extra[`variable_${this.variable}`];
      extra[`variable_${ctx.variable}`] = digits;
    }
    return this.factory.channel(String(recorded.event), view, extra);
  }
}
