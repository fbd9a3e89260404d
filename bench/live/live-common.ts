import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import ari from 'ari-client';
import { FreeSwitchClient, type FreeSwitchResponse } from 'esl';
import { parseAriUrl } from '../../src/pbx/asterisk-ari/ari-url';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';

/** The repository's prompt packs: what `prompts render` reads. */
export const SOUNDS = join(__dirname, '../../sounds');

/** The p-th percentile (nearest rank) of some figures; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export interface BareEsl {
  /** `bgapi originate {vars}<dial> &park()`: resolves with the channel's uuid once answered (the job's result). */
  originate(dial: string, vars?: string[]): Promise<string>;
  /** `sendmsg <uuid> execute` (with `event-lock: true` when `lock`): resolves on FreeSWITCH's reply, not at the end of the app. */
  execute(uuid: string, app: string, arg: string, lock?: boolean): Promise<void>;
  /** `execute` and wait for its CHANNEL_EXECUTE_COMPLETE. */
  run(uuid: string, app: string, arg: string): Promise<void>;
  api(command: string): Promise<string>;
  /** Resolves at the channel's CHANNEL_HANGUP (the event the driver ends a call on); rejects after 10 s without. */
  hungUp(uuid: string): Promise<void>;
  end(): void;
}

/**
 * A minimal client of FreeSWITCH's event socket with the `esl` library alone: the bare side of the
 * live bench (what a careful script does, nothing of the driver). Throws when FreeSWITCH does not
 * answer, so that a bench with no PBX fails.
 */
export async function bareEsl(url: string): Promise<BareEsl> {
  const target = parseEslUrl(url);
  const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };
  const client = new FreeSwitchClient({ host: target.host, port: target.port, password: target.password, logger: quiet });
  const res = await new Promise<FreeSwitchResponse>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`FreeSWITCH's event socket at ${target.host}:${target.port} did not answer within 5 s`)), 5000);
    client.on('connect', (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    client.connect();
  });
  await res.event_json('CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'BACKGROUND_JOB');
  // Only its own channels' events (and the jobs'), as the driver's filters do: unfiltered, this
  // client would also parse every event of the engine's calls while the engine's rounds run, and
  // the bench would bill that to the engine.
  const prefix = randomUUID().slice(0, 8);
  await res.filter('Unique-ID', `/^${prefix}-/`);
  await res.filter('Event-Name', 'BACKGROUND_JOB');
  const hangups = new Map<string, () => void>();
  res.on('CHANNEL_HANGUP', (event) => {
    const id = (event.body as Record<string, unknown>)['Unique-ID'];
    if (typeof id === 'string') hangups.get(id)?.();
  });
  return {
    async originate(dial, vars = []) {
      const uuid = `${prefix}${randomUUID().slice(8)}`;
      const all = [`origination_uuid=${uuid}`, 'originate_timeout=20', 'ignore_early_media=true', ...vars];
      // bgapi: an `api` blocks the connection until it returns, so originates in flight would queue.
      const job = await res.bgapi(`originate {${all.join(',')}}${dial} &park()`, 30_000);
      const body = String((job.body as { _body?: unknown })._body ?? '');
      if (!body.startsWith('+OK')) throw new Error(`originate failed: ${body.trim()}`);
      return uuid;
    },
    async execute(uuid, app, arg, lock = false) {
      await res.sendmsg_uuid(uuid, 'execute', { 'execute-app-name': app, 'execute-app-arg': arg, ...(lock ? { 'event-lock': 'true' } : {}) });
    },
    async run(uuid, app, arg) {
      await res.command_uuid(uuid, app, arg, 60_000);
    },
    async api(command) {
      return String((await res.api(command, 30_000)).body);
    },
    hungUp(uuid) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          hangups.delete(uuid);
          reject(new Error('hang-up not confirmed'));
        }, 10_000);
        hangups.set(uuid, () => {
          clearTimeout(timer);
          hangups.delete(uuid);
          resolve();
        });
      });
    },
    end: () => client.end(),
  };
}

/** A call made by a bare client, answered. */
export interface BareCall {
  /** Plays one prompt of the English pack, then hangs up. */
  playThenHangup(prompt: string): Promise<void>;
  /** Hangs up and waits for the PBX to confirm the end (as the engine's driver does). */
  hangup(): Promise<void>;
}

/** The bare side of the live bench on either PBX: originate (resolves once answered), play, hang up. */
export interface BarePbx {
  call(number: string): Promise<BareCall>;
  /** The PBX's limit of new sessions per second, when it has one (FreeSWITCH: sessions-per-second). */
  sessionsPerSecond(): Promise<number | undefined>;
  end(): void;
}

/** Bare ESL: `bgapi originate … &park()`, `playback` and `hangup` queued with event-lock, `uuid_kill`. */
export async function bareFreeSwitch(url: string, dialTemplate: string, soundsDir: string): Promise<BarePbx> {
  const esl = await bareEsl(url);
  return {
    async call(number) {
      const uuid = await esl.originate(dialTemplate.replace('{number}', number));
      return {
        async playThenHangup(prompt) {
          await esl.execute(uuid, 'playback', `${soundsDir}/pbxverify/en/${prompt}.wav`, true);
          await esl.execute(uuid, 'hangup', '', true);
        },
        async hangup() {
          const ended = esl.hungUp(uuid);
          await esl.api(`uuid_kill ${uuid}`);
          await ended;
        },
      };
    },
    async sessionsPerSecond() {
      // `status`: "… 0 session(s) per Sec out of max 100, peak 92, last 5min 92 …"
      const max = /per Sec out of max (\d+)/.exec(await esl.api('status'))?.[1];
      return max === undefined ? undefined : Number(max);
    },
    end: () => esl.end(),
  };
}

/**
 * Bare ARI with ari-client alone, on a Stasis app of its own: originate into the app, the call is
 * answered at StasisStart, `play sound:pbxverify/en/<prompt>`, DELETE the channel.
 */
export async function bareAsterisk(url: string, endpointTemplate: string): Promise<BarePbx> {
  const target = parseAriUrl(url);
  const client = await ari.connect(target.baseUrl, target.user, target.password);
  const app = `${target.app}-bench-bare`;
  const answered = new Map<string, () => void>();
  const finished = new Map<string, () => void>();
  const destroyed = new Map<string, () => void>();
  client.on('StasisStart', (_ev, channel) => answered.get(channel.id)?.());
  client.on('ChannelDestroyed', (_ev, channel) => destroyed.get(channel.id)?.());
  client.on('PlaybackFinished', (ev) => finished.get(ev.playback.id)?.());
  await client.start(app);
  return {
    async call(number) {
      const channel = client.Channel();
      const up = new Promise<void>((resolve) => answered.set(channel.id, resolve));
      await channel.originate({ endpoint: endpointTemplate.replace('{number}', number), app, timeout: 20 });
      await up;
      answered.delete(channel.id);
      return {
        async playThenHangup(prompt) {
          const playback = client.Playback();
          const done = new Promise<void>((resolve) => finished.set(playback.id, resolve));
          await channel.play({ media: `sound:pbxverify/en/${prompt}` }, playback);
          await done;
          finished.delete(playback.id);
          await channel.hangup();
        },
        async hangup() {
          const gone = new Promise<void>((resolve) => destroyed.set(channel.id, resolve));
          await channel.hangup();
          await gone;
          destroyed.delete(channel.id);
        },
      };
    },
    sessionsPerSecond: () => Promise.resolve(undefined),
    end: () => client.stop(),
  };
}
