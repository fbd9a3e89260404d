/**
 * Regenerates the voice prompt packs from their manifests: `npm run prompts:build [-- options]`.
 *
 *   --lang de,fr     only these packs (default: every generated pack under sounds/)
 *   --rate 16000     sample rate (default 8000, the committed set; 16000 writes a wideband set)
 *   --out DIR        where to write (default: sounds/, next to the manifests)
 *
 * Needs Debian's espeak-ng and sox (`apt-get install espeak-ng sox libsox-fmt-all`); users of the
 * committed packs need neither. Per prompt: espeak-ng speaks the text (or its `tts` respelling)
 * at 22.05 kHz → sox high-passes at 80 Hz, resamples to the target rate and trims leading and
 * trailing silence below −45 dBFS, keeping 32-bit float → this script normalizes the active
 * speech level to −20 dBFS (never letting a peak above −1 dBFS) and writes 16-bit PCM WAV.
 * Rounding is deterministic (no dither), so a rebuild with the same tools yields the same bytes.
 * Packs whose manifest says `"source": "recorded"` are never touched.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { manifestSchema, type Manifest } from '../src/prompts/catalog';
import { PROMPT_IDS } from '../src/prompts/ids';
import { measure } from '../src/prompts/levels';
import { SILENCE_PARTS } from '../src/prompts/media';
import { encodeWav, parseWav } from '../src/prompts/wav';

const ROOT = join(__dirname, '..');
const SOUNDS = join(ROOT, 'sounds');
const TARGET_ACTIVE_DB = -20;
const PEAK_CEILING_DB = -1;
const DEFAULT_SPEED = 150;
/** Lone digit words come out short (150–250 ms) at phrase speed; slower is how a person reads a code out. */
const DEFAULT_DIGIT_SPEED = 115;

interface Options {
  langs: string[] | undefined;
  rate: number;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { langs: undefined, rate: 8000, out: SOUNDS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--lang') opts.langs = value().split(',').filter(Boolean);
    else if (arg === '--rate') opts.rate = Number(value());
    else if (arg === '--out') opts.out = value();
    else throw new Error(`unknown option ${arg} (see the comment at the top of scripts/build-prompts.ts)`);
  }
  if (opts.rate !== 8000 && opts.rate !== 16000) throw new Error('--rate is 8000 or 16000');
  return opts;
}

function tool(name: string, args: string[]): string {
  try {
    return execFileSync(name, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${name} is not installed: apt-get install espeak-ng sox libsox-fmt-all`);
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** 32-bit float WAV from sox → normalized 16-bit PCM WAV bytes. */
function normalize(floatWav: Buffer, rate: number): { wav: Buffer; limited: boolean } {
  const { format, data } = parseWav(floatWav);
  if (format.audioFormat !== 3 || format.bitsPerSample !== 32 || format.channels !== 1 || format.sampleRate !== rate) {
    throw new Error(`unexpected intermediate format ${JSON.stringify(format)}`);
  }
  const n = data.length / 4;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = data.readFloatLE(i * 4) * 32768;
  const before = measure(x, rate);
  if (!Number.isFinite(before.activeDb)) throw new Error('espeak-ng produced silence');
  const limited = PEAK_CEILING_DB - before.peakDb < TARGET_ACTIVE_DB - before.activeDb;
  const gainDb = limited ? PEAK_CEILING_DB - before.peakDb : TARGET_ACTIVE_DB - before.activeDb;
  const gain = 10 ** (gainDb / 20);
  const pcm = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((x[i] as number) * gain))), i * 2);
  return { wav: encodeWav(pcm, rate), limited };
}

function speak(manifest: Manifest, id: string, rate: number, work: string): Buffer {
  const text = manifest.tts?.[id] ?? manifest.prompts[id];
  if (text === undefined) throw new Error(`${manifest.lang}: no text for ${id}`);
  const raw = join(work, 'espeak.wav');
  const trimmed = join(work, 'trimmed.wav');
  // -b 1: the text is UTF-8. The text goes as an argument, never through a shell.
  const speed = id.startsWith('digit-') ? (manifest.digitSpeed ?? DEFAULT_DIGIT_SPEED) : (manifest.speed ?? DEFAULT_SPEED);
  // A trailing colon ("your code is:") is said as a comma: a continuing, not a falling, tune.
  const spoken = text.replace(/[:：՝]\s*$/u, ',');
  tool('espeak-ng', ['-b', '1', '-v', manifest.voice ?? manifest.lang, '-s', String(speed), '-w', raw, spoken]);
  tool('sox', [
    raw, '-t', 'wav', '-e', 'floating-point', '-b', '32', '-c', '1', trimmed,
    'highpass', '80',
    'rate', '-v', String(rate),
    // Trim the start, fade it in over 5 ms; the same on the reversed signal trims and fades the end.
    // The fades keep a click from where a prompt meets a pause or the next prompt.
    'silence', '1', '0.01', '-45d', 'fade', 'h', '0.005',
    'reverse', 'silence', '1', '0.01', '-45d', 'fade', 'h', '0.005', 'reverse',
  ]);
  return readFileSync(trimmed);
}

function manifestsUnder(dir: string): Manifest[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'manifest.json')))
    .map((e) => {
      const path = join(dir, e.name, 'manifest.json');
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
      if (manifest.lang !== e.name) throw new Error(`${path}: lang "${manifest.lang}" does not match its folder`);
      return manifest;
    })
    .sort((a, b) => a.lang.localeCompare(b.lang));
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const version = tool('espeak-ng', ['--version']).trim();
  const all = manifestsUnder(SOUNDS);
  const unknown = (opts.langs ?? []).filter((l) => !all.some((m) => m.lang === l));
  if (unknown.length) throw new Error(`no manifest for ${unknown.join(', ')}`);
  const packs = all.filter((m) => m.source !== 'recorded' && (opts.langs === undefined || opts.langs.includes(m.lang)));
  const work = mkdtempSync(join(tmpdir(), 'pbxverify-prompts-'));
  process.stdout.write(`${version}\nwriting ${packs.length} packs at ${opts.rate} Hz to ${relative(process.cwd(), opts.out) || '.'}\n`);
  try {
    const silenceDir = join(opts.out, 'silence');
    mkdirSync(silenceDir, { recursive: true });
    for (const ms of SILENCE_PARTS) writeFileSync(join(silenceDir, `${ms}.wav`), encodeWav(Buffer.alloc((opts.rate * ms * 2) / 1000), opts.rate));
    process.stdout.write(`silence parts ${SILENCE_PARTS.join(', ')} ms\n`);
    packs.forEach((manifest, i) => {
      const started = Date.now();
      const dir = join(opts.out, manifest.lang);
      mkdirSync(dir, { recursive: true });
      let seconds = 0;
      let limited = 0;
      for (const id of PROMPT_IDS) {
        const { wav, limited: held } = normalize(speak(manifest, id, opts.rate, work), opts.rate);
        if (held) limited++;
        seconds += (wav.length - 44) / 2 / opts.rate;
        writeFileSync(join(dir, `${id}.wav`), wav);
      }
      if (opts.out !== SOUNDS) writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      const n = String(i + 1).padStart(String(packs.length).length);
      process.stdout.write(
        `[${n}/${packs.length}] ${manifest.lang.padEnd(6)} ${manifest.name.padEnd(24)} ${PROMPT_IDS.length} prompts, ${seconds.toFixed(1)} s of audio` +
          `${limited ? `, ${limited} held below the peak ceiling` : ''} (${Date.now() - started} ms)\n`,
      );
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write('done; run `pbxverify prompts check` to verify\n');
}

try {
  main();
} catch (err) {
  process.stderr.write(`prompts:build: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
