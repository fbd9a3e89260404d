/**
 * Generates the answering-machine detection corpus (docs/amd.md): people answering with a short
 * word or two, and answering machines with greetings of many lengths, pauses, beeps of several
 * pitches (and none), and background noise. Each recording is an 8 kHz WAV and a pcap of its G.711
 * u-law RTP stream, which a SIPp phone plays on answer (test/live/sipp/uas-amd.xml).
 *
 *   npx tsx scripts/amd-corpus.ts [--out DIR]      default: <os tmpdir>/pbxverify-amd-corpus
 *
 * Nothing is committed: the files go to the temp directory and manifest.json lists them with
 * their truth (`human` or `machine`). Needs Debian's espeak-ng and sox
 * (`apt-get install -y espeak-ng sox libsox-fmt-all`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../src/prompts/wav';

export interface CorpusItem {
  name: string;
  truth: 'human' | 'machine';
  wav: string;
  pcap: string;
  /** Length of the audio, ms. */
  ms: number;
  description: string;
}

interface Spec {
  name: string;
  truth: 'human' | 'machine';
  /** Silence before the first word, ms. */
  leadMs: number;
  /** Spoken parts; a number is a pause in ms between them. */
  parts: Array<string | number>;
  /** espeak-ng voice and speed (words per minute). */
  voice?: string;
  speed?: number;
  /** A beep after the greeting: frequency in Hz and length in ms. */
  beep?: { hz: number; ms: number };
  /** Background noise level (0..1 amplitude of white noise), 0 for none. */
  noise?: number;
}

const GREET_LONG = "Hi, you have reached the voicemail of Daniel Morgan. I can't take your call right now. Please leave your name, number and a short message after the tone, and I will call you back as soon as I can.";
const GREET_MID = 'Hello, this is Sarah. Sorry I missed your call. Please leave a message after the beep.';
const GREET_CARRIER = 'The person you are calling is not available. Please leave a message after the tone. When you have finished recording, you may hang up.';
const GREET_SHORT = 'Leave a message.';
const GREET_COMPANY = 'Thank you for calling Acme Supplies. Our office is closed. Our opening hours are Monday to Friday, nine to five. Please leave a message.';

/** 22 people and 22 machines. */
export const SPECS: Spec[] = [
  { name: 'human-hello', truth: 'human', leadMs: 300, parts: ['Hello?'] },
  { name: 'human-hello-fast', truth: 'human', leadMs: 150, parts: ['Hello?'], speed: 200 },
  { name: 'human-yes', truth: 'human', leadMs: 500, parts: ['Yes?'] },
  { name: 'human-hi', truth: 'human', leadMs: 400, parts: ['Hi.'] },
  { name: 'human-yeah', truth: 'human', leadMs: 700, parts: ['Yeah?'] },
  { name: 'human-speaking', truth: 'human', leadMs: 300, parts: ['Speaking.'] },
  { name: 'human-hello-late', truth: 'human', leadMs: 1500, parts: ['Hello?'] },
  { name: 'human-hello-noise', truth: 'human', leadMs: 300, parts: ['Hello?'], noise: 0.02 },
  { name: 'human-yes-noise', truth: 'human', leadMs: 600, parts: ['Yes?'], noise: 0.04 },
  { name: 'human-hello-de', truth: 'human', leadMs: 300, parts: ['Hallo?'], voice: 'de' },
  { name: 'human-hola-es', truth: 'human', leadMs: 300, parts: ['¿Diga?'], voice: 'es' },
  { name: 'human-allo-fr', truth: 'human', leadMs: 400, parts: ['Allô?'], voice: 'fr' },
  { name: 'human-hello-hello', truth: 'human', leadMs: 300, parts: ['Hello?', 1500, 'Hello?'] },
  { name: 'human-who', truth: 'human', leadMs: 300, parts: ['Who is this?'] },
  { name: 'human-hello-slow', truth: 'human', leadMs: 300, parts: ['Hello?'], speed: 110 },
  { name: 'human-name', truth: 'human', leadMs: 300, parts: ['Hello, Anna speaking.'] },
  { name: 'human-long-intro', truth: 'human', leadMs: 300, parts: ['Good afternoon, Acme Supplies, how can I help you?'] },
  { name: 'human-quiet-noise', truth: 'human', leadMs: 900, parts: ['Hello?'], noise: 0.06 },
  { name: 'human-hi-there', truth: 'human', leadMs: 200, parts: ['Hi there.'] },
  { name: 'human-mhm', truth: 'human', leadMs: 800, parts: ['Mm, yes?'] },
  { name: 'human-hello-pl', truth: 'human', leadMs: 300, parts: ['Halo?'], voice: 'pl' },
  { name: 'human-pronto-it', truth: 'human', leadMs: 300, parts: ['Pronto?'], voice: 'it' },

  { name: 'machine-long-beep1000', truth: 'machine', leadMs: 300, parts: [GREET_LONG], beep: { hz: 1000, ms: 500 } },
  { name: 'machine-mid-beep1000', truth: 'machine', leadMs: 400, parts: [GREET_MID], beep: { hz: 1000, ms: 400 } },
  { name: 'machine-carrier-beep850', truth: 'machine', leadMs: 200, parts: [GREET_CARRIER], beep: { hz: 850, ms: 600 } },
  { name: 'machine-company-beep1400', truth: 'machine', leadMs: 500, parts: [GREET_COMPANY], beep: { hz: 1400, ms: 300 } },
  { name: 'machine-short-beep', truth: 'machine', leadMs: 300, parts: [GREET_SHORT], beep: { hz: 1000, ms: 500 } },
  { name: 'machine-mid-nobeep', truth: 'machine', leadMs: 300, parts: [GREET_MID] },
  { name: 'machine-long-pauses', truth: 'machine', leadMs: 300, parts: ['Hi, this is Tom.', 700, 'I am away from my phone.', 700, 'Leave a message after the tone.'], beep: { hz: 1000, ms: 500 } },
  { name: 'machine-hello-then-greeting', truth: 'machine', leadMs: 300, parts: ['Hello!', 1200, 'Ha, got you. I am not here, leave a message.'], beep: { hz: 1000, ms: 500 } },
  { name: 'machine-mid-noise', truth: 'machine', leadMs: 300, parts: [GREET_MID], beep: { hz: 1000, ms: 500 }, noise: 0.03 },
  { name: 'machine-long-noise', truth: 'machine', leadMs: 300, parts: [GREET_LONG], beep: { hz: 1000, ms: 500 }, noise: 0.05 },
  { name: 'machine-fast', truth: 'machine', leadMs: 200, parts: [GREET_MID], speed: 210, beep: { hz: 1000, ms: 300 } },
  { name: 'machine-slow', truth: 'machine', leadMs: 300, parts: [GREET_MID], speed: 120, beep: { hz: 1000, ms: 500 } },
  { name: 'machine-de', truth: 'machine', leadMs: 300, parts: ['Hallo, hier ist die Mailbox von Peter Schmidt. Bitte hinterlassen Sie eine Nachricht nach dem Signalton.'], voice: 'de', beep: { hz: 1000, ms: 500 } },
  { name: 'machine-es', truth: 'machine', leadMs: 300, parts: ['Hola, ha llamado al buzón de voz de María. Deje su mensaje después de la señal.'], voice: 'es', beep: { hz: 1000, ms: 500 } },
  { name: 'machine-fr', truth: 'machine', leadMs: 300, parts: ['Bonjour, vous êtes bien sur la messagerie de Julien. Laissez un message après le bip.'], voice: 'fr', beep: { hz: 1000, ms: 500 } },
  { name: 'machine-late-start', truth: 'machine', leadMs: 1800, parts: [GREET_MID], beep: { hz: 1000, ms: 500 } },
  { name: 'machine-two-beeps', truth: 'machine', leadMs: 300, parts: [GREET_CARRIER, 300, 'Beep.'], beep: { hz: 1000, ms: 250 } },
  { name: 'machine-number-readout', truth: 'machine', leadMs: 300, parts: ['The number you have called, 0 2 0 7 9 4 6 0 0 1 8, is not available. Please leave a message.'], beep: { hz: 950, ms: 500 } },
  { name: 'machine-short-pauses', truth: 'machine', leadMs: 300, parts: ['You have reached', 400, 'extension two one four.', 400, 'Please leave a message.'], beep: { hz: 1000, ms: 500 } },
  { name: 'machine-it', truth: 'machine', leadMs: 300, parts: ['Ciao, sono Luca. Al momento non posso rispondere, lasciate un messaggio dopo il segnale acustico.'], voice: 'it', beep: { hz: 1000, ms: 500 } },
  { name: 'machine-pl', truth: 'machine', leadMs: 300, parts: ['Dzień dobry, tu poczta głosowa Anny. Proszę zostawić wiadomość po sygnale.'], voice: 'pl', beep: { hz: 1000, ms: 500 } },
];

function tool(name: string, args: string[]): void {
  try {
    execFileSync(name, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error(`${name} is not installed: apt-get install -y espeak-ng sox libsox-fmt-all`);
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** One recording as 8 kHz 16-bit mono WAV: lead silence, speech parts and pauses, beep, trailing silence, noise. */
function render(spec: Spec, work: string, out: string): void {
  const pieces: string[] = [];
  const silence = (ms: number): string => {
    const file = join(work, `sil-${pieces.length}.wav`);
    tool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', file, 'trim', '0', (ms / 1000).toFixed(3)]);
    return file;
  };
  pieces.push(silence(spec.leadMs));
  spec.parts.forEach((part, i) => {
    if (typeof part === 'number') return void pieces.push(silence(part));
    const raw = join(work, `say-${i}.wav`);
    const file = join(work, `say-${i}-8k.wav`);
    tool('espeak-ng', ['-v', spec.voice ?? 'en-us', '-s', String(spec.speed ?? 160), '-w', raw, part]);
    tool('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', file, 'silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse', 'norm', '-6']);
    pieces.push(file);
  });
  if (spec.beep) {
    pieces.push(silence(150));
    const beep = join(work, 'beep.wav');
    tool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', beep, 'synth', (spec.beep.ms / 1000).toFixed(3), 'sine', String(spec.beep.hz), 'vol', '0.5']);
    pieces.push(beep);
  }
  pieces.push(silence(6000));
  const joined = join(work, 'joined.wav');
  tool('sox', [...pieces, joined]);
  if (spec.noise) {
    const noise = join(work, 'noise.wav');
    const seconds = parseWav(readFileSync(joined)).data.length / 16000;
    tool('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', noise, 'synth', seconds.toFixed(3), 'whitenoise', 'vol', String(spec.noise)]);
    tool('sox', ['-m', joined, noise, '-b', '16', out]);
  } else tool('sox', [joined, out]);
}

/** G.711 u-law of one 16-bit sample (ITU-T G.711, with the usual bias and clip). */
export function muLaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(CLIP, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  s = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return s;
}

/**
 * The WAV's audio as a pcap of RTP packets (PCMU, 20 ms, Ethernet/IPv4/UDP on loopback), the
 * input of SIPp's play_pcap_audio, which replays the packets with their pcap timing.
 */
export function wavToPcap(wav: Buffer): Buffer {
  const { data } = parseWav(wav);
  const samples = data.length / 2;
  const per = 160;
  const records: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  records.push(header);
  const ssrc = 0x5eed0001;
  for (let n = 0, at = 0; at < samples; n++, at += per) {
    const rtp = Buffer.alloc(12 + per, 0xff);
    rtp.writeUInt8(0x80, 0);
    rtp.writeUInt8(n === 0 ? 0x80 : 0x00, 1); // marker on the first packet, payload type 0
    rtp.writeUInt16BE(n & 0xffff, 2);
    rtp.writeUInt32BE(at >>> 0, 4);
    rtp.writeUInt32BE(ssrc, 8);
    for (let i = 0; i < per && at + i < samples; i++) rtp.writeUInt8(muLaw(data.readInt16LE((at + i) * 2)), 12 + i);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(6000, 0);
    udp.writeUInt16BE(6002, 2);
    udp.writeUInt16BE(8 + rtp.length, 4);
    const ip = Buffer.alloc(20);
    ip.writeUInt8(0x45, 0);
    ip.writeUInt16BE(20 + 8 + rtp.length, 2);
    ip.writeUInt8(64, 8);
    ip.writeUInt8(17, 9);
    Buffer.from([127, 0, 0, 1]).copy(ip, 12);
    Buffer.from([127, 0, 0, 1]).copy(ip, 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([eth, ip, udp, rtp]);
    const rec = Buffer.alloc(16);
    const us = n * 20_000;
    rec.writeUInt32LE(Math.floor(us / 1_000_000), 0);
    rec.writeUInt32LE(us % 1_000_000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    records.push(rec, frame);
  }
  return Buffer.concat(records);
}

/** Generates every recording into `out` and writes manifest.json; returns the items. */
export function buildCorpus(out: string): CorpusItem[] {
  mkdirSync(out, { recursive: true });
  const items: CorpusItem[] = [];
  for (const spec of SPECS) {
    const work = join(out, `.work-${spec.name}`);
    mkdirSync(work, { recursive: true });
    const wav = join(out, `${spec.name}.wav`);
    render(spec, work, wav);
    rmSync(work, { recursive: true, force: true });
    const bytes = readFileSync(wav);
    const pcap = join(out, `${spec.name}.pcap`);
    writeFileSync(pcap, wavToPcap(bytes));
    const description = `${spec.parts.map((p) => (typeof p === 'number' ? `(${p} ms)` : `"${p.length > 40 ? `${p.slice(0, 40)}…` : p}"`)).join(' ')}${spec.beep ? ` + beep ${spec.beep.hz} Hz` : ''}${spec.noise ? ` + noise ${spec.noise}` : ''}`;
    items.push({ name: spec.name, truth: spec.truth, wav, pcap, ms: Math.round(parseWav(bytes).data.length / 16), description });
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(items, null, 2)}\n`);
  return items;
}

if (require.main === module) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? (process.argv[i + 1] as string) : join(tmpdir(), 'pbxverify-amd-corpus');
  const items = buildCorpus(out);
  process.stdout.write(`${items.filter((x) => x.truth === 'human').length} human and ${items.filter((x) => x.truth === 'machine').length} machine recordings in ${out}\n`);
}
