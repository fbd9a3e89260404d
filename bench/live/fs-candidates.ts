/**
 * The FreeSWITCH start-delay candidates of issue 18, measured on a live FreeSWITCH with the
 * recording phone (test/support/rtp-phone.ts): each plays the code announcement of one lead-in
 * right after the answer, and the capture is compared with `prompts render`.
 *
 *   PBXVERIFY_LIVE_PBX=esl://:ClueCon@127.0.0.1:8021 PBXVERIFY_LIVE_ESL_SOUNDS=… npx tsx bench/live/fs-candidates.ts [calls=3]
 *
 * - file_string: `playback file_string://a!b!c` (the driver before; mod_dptools adds 250 ms first)
 * - delimiter: `playback a!b!c` with `playback_delimiter=!` and `playback_sleep_val=0` (switch_ivr_play_file plays the files one by one)
 * - queued: one `execute playback` per item, all sent at once with `event-lock: true`
 * - prerendered: `playback` of one WAV of the whole announcement in a temp directory, deleted after the call
 * - broadcast: `uuid_broadcast <uuid> file_string://… aleg`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaOf } from '../../src/pbx/freeswitch-esl/commands';
import { renderPcm } from '../../src/prompts/render';
import { codeAnnouncement } from '../../src/prompts/sequence';
import { encodeWav } from '../../src/prompts/wav';
import { bareEsl, percentile, SOUNDS } from './live-common';
import { compareWithRender } from '../../test/support/rtp-audio';
import { RtpPhone } from '../../test/support/rtp-phone';

const CALLS = Number(process.argv[2] ?? 3);
const CODE = '482913';

type Candidate = 'file_string' | 'delimiter' | 'queued' | 'prerendered' | 'broadcast';

async function main(): Promise<void> {
  const url = process.env.PBXVERIFY_LIVE_PBX ?? '';
  const soundsDir = process.env.PBXVERIFY_LIVE_ESL_SOUNDS || '/usr/share/freeswitch/sounds';
  const phone = new RtpPhone('127.0.0.1', 7062);
  await phone.start();
  const esl = await bareEsl(url);
  const only = process.argv[3];
  try {
    for (const candidate of ['file_string', 'delimiter', 'queued', 'prerendered', 'broadcast'] as Candidate[]) {
      if (only && only !== candidate) continue;
      for (const leadIn of [0, 240, 500]) {
        const items = codeAnnouncement(CODE, { leadInMs: leadIn });
        const rendered = renderPcm(SOUNDS, 'en', items);
        const silences: number[] = [];
        const notes = new Set<string>();
        for (let i = 0; i < CALLS; i++) {
          const files = items.map((item) => mediaOf(item, 'en', soundsDir));
          const arriving = phone.nextCall(20_000);
          const vars = candidate === 'delimiter' ? ['playback_delimiter=!', 'playback_sleep_val=0'] : [];
          const uuid = await esl.originate(`sofia/pbxverify-qa/+12025550100@127.0.0.1:7062`, vars);
          let tmp: string | undefined;
          if (candidate === 'file_string') await esl.execute(uuid, 'playback', `file_string://${files.join('!')}`, true);
          else if (candidate === 'delimiter') await esl.execute(uuid, 'playback', files.join('!'), true);
          else if (candidate === 'queued') for (const f of files) await esl.execute(uuid, 'playback', f, true);
          else if (candidate === 'prerendered') {
            tmp = mkdtempSync(join(tmpdir(), 'pbxverify-call-'));
            const file = join(tmp, 'a.wav');
            writeFileSync(file, encodeWav(rendered), { mode: 0o600 });
            await esl.execute(uuid, 'playback', file, true);
          } else await esl.api(`uuid_broadcast ${uuid} file_string://${files.join('!')} aleg`);
          if (candidate !== 'broadcast') await esl.execute(uuid, 'hangup', '', true);
          const call = await arriving;
          if (candidate === 'broadcast') {
            await new Promise((r) => setTimeout(r, (rendered.length / 16) + 1500));
            await esl.api(`uuid_kill ${uuid}`);
          }
          await Promise.race([call.ended, new Promise((r) => setTimeout(r, 30_000))]);
          if (tmp) rmSync(tmp, { recursive: true, force: true });
          const heard = compareWithRender(call, rendered);
          silences.push(heard.postAnswerSilenceMs - leadIn);
          notes.add(`lag ${heard.lagSamples}, captured-render ${heard.capturedSamples - heard.renderedSamples}, mismatched ${heard.mismatched}, corr ${heard.correlation.toFixed(4)}`);
        }
        console.log(`${candidate.padEnd(12)} lead-in ${String(leadIn).padStart(3)}: silence - lead-in p50 ${percentile(silences, 50).toFixed(0)} p99 ${percentile(silences, 99).toFixed(0)} ms (${silences.map((s) => s.toFixed(0)).join(', ')}); ${[...notes].join(' | ')}`);
      }
    }
  } finally {
    esl.end();
    await phone.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
