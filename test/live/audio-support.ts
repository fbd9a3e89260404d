import { join } from 'node:path';
import pino from 'pino';
import { runVoice } from '../../src/channels/voice';
import type { Pbx } from '../../src/pbx/port';
import { renderPcm } from '../../src/prompts/render';
import { codeAnnouncement } from '../../src/prompts/sequence';
import { compareWithRender, type AudioComparison } from '../support/rtp-audio';
import type { RtpPhone } from '../support/rtp-phone';

const SOUNDS = join(__dirname, '../../sounds');

/**
 * One voice call through the engine's own call script (src/channels/voice.ts) to the recording
 * phone, compared with `prompts render` of the same code and lead-in (issue 18). The prompts on
 * the PBX must be installed by this checkout's `prompts install`.
 */
export async function voiceCallHeard(pbx: Pbx, phone: RtpPhone, opts: { code: string; leadInMs?: number | undefined; to?: string }): Promise<AudioComparison & { result: string }> {
  const ctx = { pbx, logger: pino({ level: 'silent' }), signal: new AbortController().signal };
  const arriving = phone.nextCall(20_000);
  const report = await runVoice({ to: opts.to ?? '+12025550100', lang: 'en', code: opts.code, leadInMs: opts.leadInMs, ringTimeoutMs: 20_000, maxCallMs: 60_000, tag: 'live-audio' }, ctx);
  const call = await arriving;
  await Promise.race([call.ended, new Promise((r) => setTimeout(r, 5_000))]);
  const rendered = renderPcm(SOUNDS, 'en', codeAnnouncement(opts.code, { leadInMs: opts.leadInMs }));
  return { result: report.result, ...compareWithRender(call, rendered) };
}

/** `host:port` of PBXVERIFY_LIVE_RTP_PHONE. */
export function phoneAddress(value: string): { host: string; port: number } {
  const m = /^([0-9.]+):(\d+)$/.exec(value);
  if (!m) throw new Error(`PBXVERIFY_LIVE_RTP_PHONE must be host:port, e.g. 127.0.0.1:5062 (got "${value}")`);
  return { host: m[1] as string, port: Number(m[2]) };
}
