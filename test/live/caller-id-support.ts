import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../src/main';
import { configSchema, type ApiKeyConfig } from '../../src/config/schema';
import type { VerificationRecord } from '../../src/verification/model';
import { skippedUnless } from './live-settings';

/**
 * Flash call and missed call on a live PBX, through a whole engine (createEngine) driving it: the
 * flash call goes to a SIPp phone that rings and never answers, whose trace shows the From the
 * PBX presented; the missed call is a SIPp caller INVITE-ing the DID with From = the pending number.
 */
const FLASH_DIAL = process.env.PBXVERIFY_LIVE_FLASH_DIAL ?? '';
const MISSED_SIP = process.env.PBXVERIFY_LIVE_MISSED_CALL_SIP ?? '';
const DID = '+12025550190';
const KEY = { id: 'live', secret: 'live-secret-0123456789abcdef' };

/** What the engine's configuration needs for this PBX (its URL and driver settings). */
export type PbxConfig = Record<string, unknown>;

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs a command without blocking the event loop; resolves with its exit status and output. */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function engineConfig(pbx: PbxConfig, family: 'asterisk' | 'freeswitch'): ReturnType<typeof configSchema.parse> {
  return configSchema.parse({
    ...pbx,
    port: 0,
    logLevel: process.env.PBXVERIFY_LIVE_LOG || 'silent',
    secret: 'live-engine-secret-0123456789abcdefghij',
    history: { url: 'off' },
    scheduler: { pollMs: 20 },
    apiKeys: [KEY],
    trunks: [{ name: 'flash', dial: { [family]: FLASH_DIAL || 'PJSIP/{number}@uas' }, callerIds: ['+442037691880'], callerIdRange: '+4420376900XXXX' }],
    routes: [{ match: { channels: ['flash_call'] }, trunks: ['flash'] }],
    missedCall: { numbers: [{ number: DID }], reject: 'busy' },
  });
}

export function callerIdSuite(name: string, family: 'asterisk' | 'freeswitch', pbx: PbxConfig): void {
  const flash = skippedUnless(`${name}: flash call to a SIPp phone that rings`, 'PBXVERIFY_LIVE_FLASH_DIAL');
  const missed = skippedUnless(`${name}: missed call from a SIPp caller`, 'PBXVERIFY_LIVE_MISSED_CALL_SIP');
  if (!flash.run && !missed.run) {
    describe.skip(`${name}: flash and missed call (skipped: set PBXVERIFY_LIVE_FLASH_DIAL, PBXVERIFY_LIVE_MISSED_CALL_SIP; docs/live-tests.md)`, () => it('runs', () => undefined));
    return;
  }
  describe(`${name}: flash and missed call`, () => {
    let engine: Engine;
    let key: ApiKeyConfig;
    beforeAll(async () => {
      const config = engineConfig(pbx, family);
      engine = await createEngine(config);
      await engine.start();
      key = config.apiKeys[0] as ApiKeyConfig;
    }, 30_000);
    afterAll(async () => {
      await engine?.stop();
    });
    const settled = (id: string, ready: (r: VerificationRecord) => boolean, what: string): Promise<VerificationRecord> =>
      until(async () => {
        const r = await engine.service.get(key, id);
        return ready(r) ? r : undefined;
      }, what);

    (flash.run ? it : it.skip)(flash.title, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pbxverify-live-flash-'));
      const trace = join(dir, 'phone.log');
      const phone = spawnSync('sipp', ['-sf', join(__dirname, 'sipp', 'uas-ring-forever.xml'), '-i', '127.0.0.1', '-p', '5065', '-m', '1', '-bg', '-trace_msg', '-message_file', trace], { encoding: 'utf8' });
      expect(`${phone.stdout}${phone.stderr}`).toMatch(/PID=\[\d+\]/);
      spawnSync('sleep', ['0.3']);
      const { record } = await engine.service.start(key, { to: '+12025550199', channel: 'flash_call' });
      expect(record.flash).toEqual({ prefix: '+4420376900', codeLength: 4 });
      const done = await settled(record.id, (r) => r.attempts[0]?.status === 'completed', 'the flash call to end');
      const attempt = done.attempts[0]!;
      expect(attempt).toMatchObject({ channel: 'flash_call', flash: 'rang', result: 'delivered' });
      expect(attempt.ringAt).toEqual(expect.any(Number));
      expect(attempt.callerId).toMatch(/^\+4420376900[0-9]{4}$/);
      spawnSync('sleep', ['1']);
      const log = readFileSync(trace, 'utf8');
      const from = /^From:\s*(?:"[^"]*"\s*)?<sip:([^@>;]+)@/m.exec(log)?.[1];
      expect(from?.replace(/^\+/, '')).toBe(attempt.callerId?.replace(/^\+/, ''));
      const code = (from as string).slice(-4);
      expect(log).toMatch(/^CANCEL /m);
      // never answered: no 200 OK to the INVITE (only to the CANCEL)
      const messages = log.split(/^-{10,}.*$/m);
      expect(messages.filter((m) => /SIP\/2\.0 200 OK/.test(m) && /CSeq: \d+ INVITE/.test(m))).toEqual([]);
      const check = await engine.service.check(key, record.id, code);
      expect(check).toMatchObject({ verified: true });
    }, 60_000);

    (missed.run ? it : it.skip)(missed.title, async () => {
      const to = '+12025550114';
      const { record } = await engine.service.start(key, { to, channel: 'missed_call' });
      expect(record.missedCall).toEqual({ callTo: DID });
      const [host, port] = MISSED_SIP.split(':');
      // not spawnSync: the engine answering the call runs in this process's event loop
      const caller = await run('sipp', [`${host}:${port}`, '-sf', join(__dirname, 'sipp', 'uac-missed-call.xml'), '-s', DID, '-key', 'caller', to, '-i', '127.0.0.1', '-p', '5066', '-m', '1', '-timeout', '20', '-timeout_error']);
      // SIPp exits 0 only when the scenario ran to its end: the INVITE was refused with 486
      expect({ status: caller.status, out: caller.status === 0 ? '' : `${caller.stdout}${caller.stderr}`.slice(-800) }).toEqual({ status: 0, out: '' });
      const done = await settled(record.id, (r) => r.status !== 'pending', 'the missed call to verify');
      expect(done.status).toBe('approved');
      expect(done.missedCall?.calledAt).toEqual(expect.any(Number));
    }, 60_000);
  });
}
