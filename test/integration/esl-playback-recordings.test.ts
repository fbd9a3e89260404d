import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FreeSwitchClient, type FreeSwitchResponse } from 'esl';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { ESL_RECORDINGS } from '../fixtures/paths';

/**
 * `playback a!b!c` with playback_delimiter (a start-delay candidate of issue 18, not what the
 * driver plays: docs/freeswitch.md) as FreeSWITCH 1.10.12 answered it (test/fixtures/esl/playback, recorded over SIP with
 * test/fixtures/record-esl-playback.ts), and the fake FreeSWITCH answering the same commands the
 * same way.
 */
interface Recorded {
  case: string;
  originate: string;
  commands: Array<{ app: string; arg: string }>;
  events: Array<{ t: number; headers: Record<string, string> }>;
}

const dir = join(ESL_RECORDINGS, 'playback');
const recordings = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Recorded);
const completes = (rec: Recorded): Array<Record<string, string>> =>
  rec.events.filter((e) => e.headers['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.Application !== 'park').map((e) => e.headers);

describe('FreeSWITCH playback lists (recorded)', () => {
  it('hold the three cases', () => {
    expect(recordings.map((r) => r.case).sort()).toEqual(['sip-delimiter-missing-file', 'sip-delimiter-pgd-barge-in', 'sip-delimiter-playback']);
  });

  it('ran on channels with the list variables', () => {
    for (const rec of recordings) {
      for (const v of ['playback_delimiter=!', 'playback_sleep_val=0']) expect(rec.originate).toContain(v);
      const executed = rec.events.filter((e) => e.headers['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE');
      expect(executed.length).toBeGreaterThan(0);
      for (const e of executed) expect(e.headers.variable_playback_delimiter).toBe('!');
    }
  });

  it('played a list file by file, in order, as one application (no file_string://)', () => {
    const rec = recordings.find((r) => r.case === 'sip-delimiter-playback') as Recorded;
    const list = rec.commands[0]?.arg ?? '';
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
      for (const c of rec.commands) {
        const done = await res.command_uuid(uuid, c.app, c.arg, 10_000);
        const body = done.body as Record<string, unknown>;
        got.push({ response: body['Application-Response'], digits: body.variable_pbxverify_digits });
      }
      await res.api(`uuid_kill ${uuid}`, 5000);
      expect(got).toEqual(completes(rec).map((h) => ({ response: h['Application-Response'], digits: h.variable_pbxverify_digits })));
    });
  });
});
