/**
 * When the first prompt of a FreeSWITCH call can start (issue 18): a bare event-socket client
 * originates to the recording phone (test/support/rtp-phone.ts) with the driver's `&park()` and
 * sends `playback your-code-is` (with `event-lock`) at different moments; the post-answer silence
 * (200 OK → first voiced RTP packet) is measured at the phone.
 *
 * - `ok`: at the BACKGROUND_JOB `+OK` (what the bare side of `npm run bench:live` does);
 * - `ok+N`: N ms later (the time a driver takes between the job's result and its command);
 * - `wake`, `wake+N`: the same, with the driver's wake-up sent at CHANNEL_ANSWER (freeswitch-call.ts:
 *   `sendmsg` of a call-command FreeSWITCH does not know, answered +OK and ignored, no event);
 * - `set`, `set+N`: the wake-up as an `execute set` instead (it works too, and costs two events);
 * - `wakec`: that `set` sent at CHANNEL_CREATE, while the callee still rings (it runs during
 *   originate; the call must still be answered, parked and played);
 * - `answer`: the playback itself sent at CHANNEL_ANSWER.
 *
 *   PBXVERIFY_LIVE_PBX=esl://:ClueCon@127.0.0.1:8021 PBXVERIFY_LIVE_ESL_SOUNDS=… \
 *     npx tsx bench/live/fs-trigger.ts ok,ok+3,wake,wake+3 [calls=6] [phone port=7062]
 */
import { randomUUID } from 'node:crypto';
import { renderPcm } from '../../src/prompts/render';
import { parseEslUrl } from '../../src/pbx/freeswitch-esl/url';
import { openEsl } from '../../test/fixtures/esl-socket';
import { compareWithRender } from '../../test/support/rtp-audio';
import { RtpPhone } from '../../test/support/rtp-phone';
import { percentile, SOUNDS } from './live-common';

const EVENTS = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'BACKGROUND_JOB', 'CHANNEL_HANGUP'];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const target = parseEslUrl(process.env.PBXVERIFY_LIVE_PBX ?? '');
  const soundsDir = process.env.PBXVERIFY_LIVE_ESL_SOUNDS ?? '/usr/share/freeswitch/sounds';
  const modes = (process.argv[2] ?? 'ok,ok+3,wake,wake+3').split(',');
  const calls = Number(process.argv[3] ?? 6);
  const port = Number(process.argv[4] ?? 7062);
  const phone = new RtpPhone('127.0.0.1', port);
  await phone.start();
  const { esl, close } = await openEsl(target.host, target.port, target.password, EVENTS);
  const waits = new Map<string, () => void>();
  esl.onEvent = (e) => waits.get(`${e['Event-Name'] ?? ''}:${e['Unique-ID'] ?? e['Job-UUID'] ?? ''}`)?.();
  const on = (name: string, id: string): Promise<void> => new Promise((resolve) => waits.set(`${name}:${id}`, resolve));
  const pcm = renderPcm(SOUNDS, 'en', [{ prompt: 'your-code-is' }]);
  const file = `${soundsDir}/pbxverify/en/your-code-is.wav`;
  try {
    for (const mode of modes) {
      const [kind = 'ok', extra = '0'] = mode.split('+');
      const silences: number[] = [];
      const notes = new Set<string>();
      for (let i = 0; i < calls; i++) {
        const uuid = randomUUID();
        const job = randomUUID();
        const execute = (app: string, arg: string): Promise<unknown> =>
          esl.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${app}\nexecute-app-arg: ${arg}\nevent-lock: true\nEvent-UUID: ${randomUUID()}`);
        const wake = (): Promise<unknown> =>
          kind === 'wake' ? esl.send(`sendmsg ${uuid}\ncall-command: nudge`) : esl.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: pbxverify_answered=true`);
        const [created, answered, done, hungUp] = [on('CHANNEL_CREATE', uuid), on('CHANNEL_ANSWER', uuid), on('BACKGROUND_JOB', job), on('CHANNEL_HANGUP', uuid)];
        const arriving = phone.nextCall(20_000);
        await esl.send(`bgapi originate {origination_uuid=${uuid},originate_timeout=20,ignore_early_media=true,playback_terminators=none}sofia/pbxverify-qa/+12025550100@127.0.0.1:${port} &park()\nJob-UUID: ${job}`);
        if (kind === 'answer') await answered;
        else {
          if (kind === 'wake' || kind === 'set') await answered.then(wake);
          if (kind === 'wakec') await created.then(wake);
          await done;
          if (Number(extra) > 0) await sleep(Number(extra));
        }
        await execute('playback', file);
        await execute('hangup', '');
        const call = await arriving;
        await Promise.race([hungUp, sleep(20_000)]);
        await Promise.race([call.ended, sleep(3000)]);
        const heard = compareWithRender(call, pcm);
        silences.push(heard.postAnswerSilenceMs);
        notes.add(`lag ${heard.lagSamples}, differ ${heard.mismatched}`);
      }
      const shown = silences.map((s) => s.toFixed(0)).join(', ');
      console.log(`${mode.padEnd(8)} post-answer silence p50 ${percentile(silences, 50).toFixed(0)} p99 ${percentile(silences, 99).toFixed(0)} ms (${shown}); ${[...notes].join(' | ')}`);
    }
  } finally {
    close();
    await phone.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
