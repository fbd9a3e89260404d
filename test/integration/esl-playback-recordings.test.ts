import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FreeSwitchClient, type FreeSwitchResponse } from 'esl';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { ESL_RECORDINGS } from '../fixtures/paths';

/**
 * Prompt lists as FreeSWITCH 1.10.12 answered them (test/fixtures/esl/playback, recorded over SIP
 * with test/fixtures/record-esl-playback.ts), and the fake FreeSWITCH answering the same commands
 * the same way: `sip-queued-*` is what the driver plays (segments sent together with
 * `event-lock`, issue 18); `sip-delimiter-*` is `playback a!b!c` with playback_delimiter, a
 * start-delay candidate that was taken back (docs/benchmarks.md).
 */
interface Recorded {
  case: string;
  originate: string;
  commands: Array<{ app: string; arg: string; queued?: true } | { api: string; afterMs: number }>;
  events: Array<{ t: number; headers: Record<string, string> }>;
}
type AppCommand = { app: string; arg: string; queued?: true };

const dir = join(ESL_RECORDINGS, 'playback');
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Recorded);
const recordings = all.filter((r) => r.case.startsWith('sip-delimiter-'));
const queuedRecordings = all.filter((r) => r.case.startsWith('sip-queued-'));
const completes = (rec: Recorded): Array<Record<string, string>> =>
  rec.events.filter((e) => e.headers['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.Application !== 'park').map((e) => e.headers);

describe('FreeSWITCH playback lists (recorded)', () => {
  it('hold the six cases', () => {
    expect(recordings.map((r) => r.case).sort()).toEqual(['sip-delimiter-missing-file', 'sip-delimiter-pgd-barge-in', 'sip-delimiter-playback']);
    expect(queuedRecordings.map((r) => r.case).sort()).toEqual(['sip-queued-announcement', 'sip-queued-break-all', 'sip-queued-missing-file']);
  });

  describe('queued segments (what the driver plays)', () => {
    const rec = (name: string): Recorded => queuedRecordings.find((r) => r.case === name) as Recorded;
    const played = (r: Recorded): Array<Record<string, string>> => completes(r).filter((h) => h.Application === 'playback');
    const ran = (r: Recorded): Array<Record<string, string>> => r.events.filter((e) => e.headers['Event-Name'] === 'CHANNEL_EXECUTE' && e.headers.Application === 'playback').map((e) => e.headers);

    it('ran the segments in order, each starting as the one before ended', () => {
      const r = rec('sip-queued-announcement');
      const sent = r.commands.filter((c): c is AppCommand => 'app' in c).map((c) => c.arg);
      expect(sent).toHaveLength(3);
      expect(ran(r).map((h) => h['Application-Data'])).toEqual(sent);
      const times = (name: string): number[] => r.events.filter((e) => e.headers['Event-Name'] === name && e.headers.Application === 'playback').map((e) => e.t);
      const [starts, ends] = [times('CHANNEL_EXECUTE'), times('CHANNEL_EXECUTE_COMPLETE')];
      // the recorder's clock has whole milliseconds: the next segment starts within the same one
      for (let i = 1; i < starts.length; i++) expect((starts[i] as number) - (ends[i - 1] as number)).toBeLessThanOrEqual(1);
      expect(played(r).map((h) => h['Application-Response'])).toEqual(['FILE PLAYED', 'FILE PLAYED', 'FILE PLAYED']);
    });

    it('took the wake-up sent at CHANNEL_ANSWER (an unknown call-command) with +OK and no event', () => {
      const r = rec('sip-queued-announcement') as Recorded & { wake?: { sent: string; reply: string } };
      expect(r.wake).toEqual({ sent: 'call-command: nudge', reply: '+OK' });
      const apps = r.events.filter((e) => e.headers['Event-Name']?.startsWith('CHANNEL_EXECUTE')).map((e) => e.headers.Application);
      expect(new Set(apps)).toEqual(new Set(['park', 'playback']));
    });

    it('dropped the queued rest at uuid_break all; the barrier and the next prompt played whole', () => {
      const r = rec('sip-queued-break-all');
      expect(ran(r).map((h) => h['Application-Data']?.replace(/^\/.*\//, ''))).toEqual(['your-code-is.wav', 'silence_stream://20', 'goodbye.wav']);
      const stops = r.events.filter((e) => e.headers['Event-Name'] === 'PLAYBACK_STOP').map((e) => e.headers['Playback-Status']);
      expect(stops).toEqual(['break', 'done', 'done']);
    });

    it('went on past a missing file (FILE NOT FOUND for it alone)', () => {
      expect(played(rec('sip-queued-missing-file')).map((h) => h['Application-Response'])).toEqual(['FILE PLAYED', 'FILE NOT FOUND', 'FILE PLAYED']);
    });
  });

  it('ran the delimiter cases on channels with the list variables', () => {
    for (const rec of recordings) {
      for (const v of ['playback_delimiter=!', 'playback_sleep_val=0']) expect(rec.originate).toContain(v);
      const executed = rec.events.filter((e) => e.headers['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE');
      expect(executed.length).toBeGreaterThan(0);
      for (const e of executed) expect(e.headers.variable_playback_delimiter).toBe('!');
    }
  });

  it('played a list file by file, in order, as one application (no file_string://)', () => {
    const rec = recordings.find((r) => r.case === 'sip-delimiter-playback') as Recorded;
    const first = rec.commands[0];
    const list = first && 'arg' in first ? first.arg : '';
    expect(list.startsWith('file_string://')).toBe(false);
    const started = rec.events.filter((e) => e.headers['Event-Name'] === 'PLAYBACK_START').map((e) => e.headers['Playback-File-Path']);
    expect(started).toEqual(list.split('!'));
    expect(completes(rec).map((h) => h['Application-Response'])).toEqual(['FILE PLAYED']);
  });

  it('stopped the whole prompt list at the first digit of a collection', () => {
    const rec = recordings.find((r) => r.case === 'sip-delimiter-pgd-barge-in') as Recorded;
    expect(rec.events.filter((e) => e.headers['Event-Name'] === 'PLAYBACK_START')).toHaveLength(1);
    expect(rec.events.find((e) => e.headers['Event-Name'] === 'PLAYBACK_STOP')?.headers['Playback-Status']).toBe('break');
    expect(completes(rec)[0]?.variable_pbxverify_digits).toBe('1234');
  });

  describe('the fake FreeSWITCH answers the recorded commands alike', () => {
    let fake: FakeFreeSwitch;
    let client: FreeSwitchClient;
    let res: FreeSwitchResponse;
    beforeAll(async () => {
      fake = new FakeFreeSwitch({ password: 'rec', timeScale: 0.05, promptMs: () => 1500, heartbeatMs: 0, profiles: ['pbxverify-qa'], missingFiles: (path) => path.includes('not-installed') });
      await fake.start();
      const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };
      client = new FreeSwitchClient({ host: '127.0.0.1', port: fake.port, password: 'rec', logger: quiet });
      res = await new Promise<FreeSwitchResponse>((resolve) => {
        client.on('connect', resolve);
        client.connect();
      });
      await res.event_json('CHANNEL_EXECUTE_COMPLETE', 'BACKGROUND_JOB');
    });
    afterAll(async () => {
      client.end();
      await fake.stop();
    });

    it.each(recordings.map((r) => [r.case, r] as const))('%s', async (_name, rec) => {
      const uuid = /origination_uuid=([0-9a-f-]+)/.exec(rec.originate)?.[1] ?? '';
      const job = await res.bgapi(rec.originate, 10_000);
      expect(String((job.body as { _body?: unknown })._body)).toMatch(/^\+OK/);
      const got: Array<{ response: unknown; digits: unknown }> = [];
      for (const c of rec.commands.filter((x): x is AppCommand => 'app' in x)) {
        const done = await res.command_uuid(uuid, c.app, c.arg, 10_000);
        const body = done.body as Record<string, unknown>;
        got.push({ response: body['Application-Response'], digits: body.variable_pbxverify_digits });
      }
      await res.api(`uuid_kill ${uuid}`, 5000);
      expect(got).toEqual(completes(rec).map((h) => ({ response: h['Application-Response'], digits: h.variable_pbxverify_digits })));
    });

    it.each(queuedRecordings.map((r) => [r.case, r] as const))('%s', async (_name, rec) => {
      const uuid = /origination_uuid=([0-9a-f-]+)/.exec(rec.originate)?.[1] ?? '';
      const done: Array<{ data: unknown; response: unknown }> = [];
      const onComplete = (event: { body: Record<string, unknown> }): void => {
        if (event.body['Unique-ID'] === uuid && event.body.Application === 'playback') done.push({ data: event.body['Application-Data'], response: event.body['Application-Response'] });
      };
      res.on('CHANNEL_EXECUTE_COMPLETE', onComplete);
      const job = await res.bgapi(rec.originate, 10_000);
      expect(String((job.body as { _body?: unknown })._body)).toMatch(/^\+OK/);
      for (const c of rec.commands) {
        if ('api' in c) {
          // inside the first prompt, as recorded (the fake's prompts last 1.5 s × 0.05)
          await new Promise((r) => setTimeout(r, c.afterMs * 0.05 * 0.5));
          await res.api(c.api.replace('{uuid}', uuid), 5000);
        } else if (c.queued) await res.sendmsg_uuid(uuid, 'execute', { 'execute-app-name': c.app, 'execute-app-arg': c.arg, 'event-lock': 'true' });
        else await res.command_uuid(uuid, c.app, c.arg, 10_000);
      }
      await new Promise((r) => setTimeout(r, 500)); // the queue runs out (prompts of 1.5 s × 0.05)
      await res.api(`uuid_kill ${uuid}`, 5000);
      res.removeListener('CHANNEL_EXECUTE_COMPLETE', onComplete);
      const recorded = completes(rec).filter((h) => h.Application === 'playback').map((h) => ({ data: h['Application-Data'], response: h['Application-Response'] }));
      expect(done).toEqual(recorded);
    });
  });
});
