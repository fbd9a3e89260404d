import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { ROOT_DIR } from '../main';
import { PromptCatalog } from '../prompts/catalog';
import { checkSounds, type CheckReport } from '../prompts/check';
import { installPacks, type PbxFlavour } from '../prompts/install';
import { resolveLanguage } from '../prompts/languages';
import { mediaFiles } from '../prompts/media';
import { renderWav } from '../prompts/render';
import { LEAD_IN, leadInProblem, PAUSES, voiceCallAudio } from '../prompts/sequence';
import { AppError } from '../lib/errors';

/** Exit codes as the rest of the CLI: 0 ok, 1 the operation failed, 2 usage error. */
const defaultSounds = (): string => resolve(ROOT_DIR, 'sounds');

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string, code = 2): number {
  process.stderr.write(`pbxverify: ${message}\n`);
  return code;
}

function leadIn(value: string): number {
  const ms = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  const problem = leadInProblem(ms);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return ms;
}

function digit(value: string): string {
  if (!/^[0-9]$/.test(value)) throw new InvalidArgumentError('one digit, 0-9');
  return value;
}

function rate(value: string): number {
  if (value !== '8000' && value !== '16000') throw new InvalidArgumentError('8000 or 16000');
  return Number(value);
}

export function printCheckReport(report: CheckReport, verbose: boolean): void {
  for (const pack of report.packs) {
    const errors = pack.problems.filter((p) => p.severity === 'error').length;
    const state = errors ? 'FAIL' : 'ok  ';
    out(`${state} ${pack.lang.padEnd(7)} ${pack.name.padEnd(26)} ${pack.source.padEnd(9)} ${String(pack.files).padStart(2)} files ${pack.seconds.toFixed(1).padStart(5)} s`);
    for (const p of pack.problems) if (p.severity === 'error' || verbose) out(`       ${p.severity}: ${p.file ? `${p.file}: ` : ''}${p.message}`);
  }
  out(`${report.silence.some((p) => p.severity === 'error') ? 'FAIL' : 'ok  '} silence parts`);
  for (const p of report.silence) out(`       ${p.severity}: ${p.file ?? ''}: ${p.message}`);
  out(`${report.packs.length} packs checked: ${report.errors} errors, ${report.warnings} warnings`);
}

/** `pbxverify prompts …`: check, render, install and list the voice prompt packs. */
export function registerPromptsCommand(program: Command): void {
  const prompts = program.command('prompts').description('voice prompt packs: check, render, install, list');

  prompts
    .command('check')
    .description('verify packs: every id present, 8 kHz mono 16-bit PCM, duration bounds, no clipping, not silent, trimmed')
    .option('--lang <lang>', 'only this pack')
    .option('--sounds <dir>', 'sounds directory', defaultSounds())
    .option('--rate <hz>', 'sample rate the files must have', rate, 8000)
    .option('-v, --verbose', 'print warnings too')
    .action((opts: { lang?: string; sounds: string; rate: number; verbose?: boolean }) => {
      const report = checkSounds(opts.sounds, { lang: opts.lang, sampleRate: opts.rate });
      printCheckReport(report, opts.verbose ?? false);
      process.exitCode = report.errors ? 1 : 0;
    });

  prompts
    .command('render')
    .description('write the audio a callee hears for a code, from the same sequence the drivers play')
    .argument('<out.wav>', 'file to write')
    .requiredOption('--code <digits>', 'the code, 1 to 20 digits')
    .option('--lang <lang>', 'pack language (de, pt-BR, …; de-AT falls back to de)', 'en')
    .option('--gate <digit>', 'start with the anti-voicemail gate question for this digit', digit)
    .option('--lead-in <ms>', `silence before the first prompt, a multiple of ${LEAD_IN.stepMs} from ${LEAD_IN.minMs} to ${LEAD_IN.maxMs} (default ${PAUSES.leadIn})`, leadIn)
    .option('--sounds <dir>', 'sounds directory', defaultSounds())
    .action((file: string, opts: { code: string; lang: string; gate?: string; leadIn?: number; sounds: string }) => {
      process.exitCode = renderCommand(file, opts);
    });

  prompts
    .command('install')
    .description('copy the packs and silence parts into a PBX sounds directory under pbxverify/')
    .option('--asterisk <dir>', "Asterisk's sounds directory (e.g. /var/lib/asterisk/sounds)")
    .option('--freeswitch <dir>', "FreeSWITCH's sounds directory (e.g. /usr/share/freeswitch/sounds)")
    .option('--lang <langs>', 'only these packs, comma separated')
    .option('--sounds <dir>', '8 kHz packs to install', defaultSounds())
    .option('--wideband <dir>', 'also install a 16 kHz set made with npm run prompts:build -- --rate 16000 --out DIR')
    .option('--dry-run', 'list what would be copied')
    .action((opts: { asterisk?: string; freeswitch?: string; lang?: string; sounds: string; wideband?: string; dryRun?: boolean }) => {
      process.exitCode = installCommand(opts);
    });

  prompts
    .command('list')
    .description('list the installed packs')
    .option('--sounds <dir>', 'sounds directory', defaultSounds())
    .option('--json', 'print JSON')
    .action((opts: { sounds: string; json?: boolean }) => {
      const catalog = new PromptCatalog(opts.sounds);
      const rows = catalog.languages().map((lang) => {
        const pack = catalog.pack(lang);
        return { lang, name: pack?.name ?? lang, source: pack?.source ?? 'unknown', audio: pack?.hasAudio ?? false };
      });
      if (opts.json) out(JSON.stringify(rows, null, 2));
      else for (const r of rows) out(`${r.lang.padEnd(7)} ${r.name.padEnd(26)} ${r.source}${r.audio ? '' : ' (no audio)'}`);
      for (const problem of catalog.problems) process.stderr.write(`pbxverify: ${problem}\n`);
    });
}

function renderCommand(file: string, opts: { code: string; lang: string; gate?: string; leadIn?: number; sounds: string }): number {
  if (!/^[0-9]{1,20}$/.test(opts.code)) return fail('--code takes 1 to 20 digits');
  const catalog = new PromptCatalog(opts.sounds);
  let lang: string;
  try {
    lang = resolveLanguage({ requested: opts.lang, engineDefault: 'en', to: '' }, (l) => catalog.pack(l)?.hasAudio === true);
  } catch (err) {
    if (err instanceof AppError) return fail(`no pack with audio for "${opts.lang}" under ${opts.sounds}`);
    throw err;
  }
  const items = voiceCallAudio(opts.code, opts.gate, opts.leadIn);
  const wav = renderWav(opts.sounds, lang, items);
  writeFileSync(file, wav);
  const files = mediaFiles(lang, items);
  out(`${file}: ${lang}, ${files.length} files (${files.filter((f) => f.kind === 'prompt').length} prompts), ${((wav.length - 44) / 16000).toFixed(2)} s, 8 kHz mono 16-bit`);
  return 0;
}

function installCommand(opts: { asterisk?: string; freeswitch?: string; lang?: string; sounds: string; wideband?: string; dryRun?: boolean }): number {
  if ((opts.asterisk === undefined) === (opts.freeswitch === undefined)) return fail('give exactly one of --asterisk <dir> or --freeswitch <dir>');
  const flavour: PbxFlavour = opts.asterisk !== undefined ? 'asterisk' : 'freeswitch';
  const target = (opts.asterisk ?? opts.freeswitch) as string;
  const check = checkSounds(opts.sounds);
  const langs = opts.lang?.split(',').filter(Boolean);
  const broken = check.packs.filter((p) => (langs === undefined || langs.includes(p.lang)) && p.problems.some((x) => x.severity === 'error'));
  if (broken.length || check.silence.some((p) => p.severity === 'error')) {
    printCheckReport(check, false);
    return fail('refusing to install packs that fail `prompts check`', 1);
  }
  if (opts.wideband !== undefined) {
    const wide = checkSounds(opts.wideband, { sampleRate: 16000 });
    if (wide.errors) {
      printCheckReport(wide, false);
      return fail('refusing to install a wideband set that fails `prompts check --rate 16000`', 1);
    }
  }
  try {
    const result = installPacks({ flavour, target, soundsDir: opts.sounds, widebandDir: opts.wideband, langs, dryRun: opts.dryRun ?? false });
    if (opts.dryRun) for (const f of result.files) out(`${f.from} -> ${f.to}`);
    out(
      `${opts.dryRun ? 'would install' : 'installed'} ${result.langs.length} packs (${result.files.length} files, ${(result.bytes / 1_048_576).toFixed(1)} MiB) for ${flavour} under ${resolve(target, 'pbxverify')}`,
    );
    return 0;
  } catch (err) {
    return fail((err as Error).message, 1);
  }
}
