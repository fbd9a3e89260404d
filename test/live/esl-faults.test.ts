/**
 * Faults against a real FreeSWITCH, through a TCP relay the test controls (test/support/esl/tcp-proxy.ts):
 * a wrong password, the socket cut in the middle of a call, commands never answered, FreeSWITCH
 * unreachable for many reconnect attempts and then back. Opt-in, like the whole live suite.
 * With PBXVERIFY_LIVE_ESL_RESTART set to a shell command that restarts FreeSWITCH, a real restart too.
 */
import { execSync } from 'node:child_process';
import { FreeSwitchClient, type FreeSwitchResponse } from 'esl';
import type { FreeSwitchPbx } from '../../src/pbx/freeswitch-esl/freeswitch-pbx';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import type { Call } from '../../src/pbx/port';
import { TcpProxy } from '../support/esl/tcp-proxy';
import { until } from '../support/esl/until';
import { LIVE_URL, livePbx } from './esl-support';
import { skippedUnless } from './live-settings';

const target = parseEslUrl(LIVE_URL);
const base = { lang: 'en', ringTimeoutMs: 10_000, tag: 'live-faults' };
const long = Array.from({ length: 20 }, () => ({ prompt: 'your-code-is' }));

/** A plain esl connection to ask FreeSWITCH what it has (not through the relay). */
async function observer(): Promise<{ exists(uuid: string): Promise<boolean>; close(): void }> {
  const quiet = { debug: () => undefined, info: () => undefined, error: () => undefined };
  const client = new FreeSwitchClient({ host: target.host, port: target.port, password: target.password, logger: quiet });
  const res = await new Promise<FreeSwitchResponse>((resolve) => {
    client.on('connect', resolve);
    client.connect();
  });
  return {
    exists: async (uuid) => (await res.api(`uuid_exists ${uuid}`, 5000)).body.trim() === 'true',
    close: () => client.end(),
  };
}

describe('faults against a real FreeSWITCH', () => {
  let proxy: TcpProxy;
  let pbx: FreeSwitchPbx;
  let watch: Awaited<ReturnType<typeof observer>>;

  beforeAll(async () => {
    proxy = new TcpProxy(target);
    await proxy.start();
    pbx = livePbx({ commandTimeoutMs: 1500, reconnectMaxDelayMs: 500 }, `esl://:${encodeURIComponent(target.password)}@127.0.0.1:${proxy.port}`);
    await pbx.start();
    watch = await observer();
  });
  afterAll(async () => {
    await pbx.stop();
    await proxy.stop();
    watch.close();
  });

  const answer = async (to = '+12025550100'): Promise<Call> => {
    const result = await pbx.originate({ ...base, to }, { timeoutMs: 20_000 });
    if (!result.ok) throw new Error(`expected an answer, got ${result.end.outcome}`);
    return result.call;
  };

  it('refuses to start with a wrong password, with a clear error', async () => {
    const wrong = livePbx({}, `esl://:wrong-${Date.now()}@${target.host}:${target.port}`);
    await expect(wrong.start()).rejects.toThrow(/refused the password \(-ERR invalid\)/);
    await wrong.stop();
  });

  it('ends a call whose socket is cut as lost by the PBX, and kills the channel once back', async () => {
    const call = await answer();
    const playing = call.play(long, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    proxy.cut();
    await expect(playing).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx' } });
    expect(await watch.exists(call.id)).toBe(true);
    await until(() => pbx.health().ready, 'reconnected', 15_000);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = !(await watch.exists(call.id));
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gone).toBe(true);
  });

  it('gives up a command FreeSWITCH never answers, reconnects and carries on', async () => {
    const call = await answer();
    proxy.swallow(true);
    await expect(call.play([{ prompt: 'digit-1' }], { timeoutMs: 30_000 })).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx' } });
    proxy.swallow(false);
    await until(() => pbx.health().ready, 'reconnected', 15_000);
    const next = await answer();
    await expect(next.play([{ prompt: 'digit-1' }], { timeoutMs: 10_000 })).resolves.toEqual({ ok: true });
    await next.hangup();
  });

  it('comes back after FreeSWITCH was unreachable for many attempts', async () => {
    const call = await answer();
    const collecting = call.collectDigits({ maxDigits: 4, firstDigitTimeoutMs: 30_000, interDigitTimeoutMs: 5000, totalTimeoutMs: 60_000 });
    await proxy.stop();
    await expect(collecting).resolves.toMatchObject({ ok: false, reason: 'ended', end: { by: 'pbx' } });
    await until(() => /attempt ([6-9]|\d\d)/.test(pbx.health().detail), 'six refused reconnect attempts', 30_000);
    await proxy.start();
    await until(() => pbx.health().ready, 'reconnected', 15_000);
    const next = await answer('+12025550163');
    await expect(next.collectDigits({ prompt: [{ prompt: 'enter-code' }], maxDigits: 10, firstDigitTimeoutMs: 8000, interDigitTimeoutMs: 4000, totalTimeoutMs: 30_000 })).resolves.toEqual({
      ok: true,
      digits: '1234',
      endedBy: 'terminator',
    });
    await next.hangup();
    expect(await watch.exists(call.id)).toBe(false);
  });

  const restart = process.env.PBXVERIFY_LIVE_ESL_RESTART;
  const restarts = skippedUnless('survives a real FreeSWITCH restart', 'PBXVERIFY_LIVE_ESL_RESTART');
  (restarts.run ? it : it.skip)(restarts.title, async () => {
    const direct = livePbx({ reconnectMaxDelayMs: 1000 });
    await direct.start();
    try {
      const result = await direct.originate({ ...base, to: '+12025550100' }, { timeoutMs: 20_000 });
      if (!result.ok) throw new Error(result.end.outcome);
      watch.close();
      execSync(restart as string, { stdio: 'ignore' });
      await expect(result.call.ended).resolves.toMatchObject({ by: 'pbx' });
      await until(() => direct.health().ready, 'reconnected after the restart', 60_000);
      const again = await direct.originate({ ...base, to: '+12025550163' }, { timeoutMs: 20_000 });
      expect(again.ok).toBe(true);
      if (again.ok) await again.call.hangup();
    } finally {
      await direct.stop();
      watch = await observer();
    }
  });
});
