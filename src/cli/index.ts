#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import { ConfigError, ENV_VARS, loadConfig, redactConfig, type LoadedConfig } from '../config/load';
import { DevKeyRefusedError } from '../api/keys';
import { createEngine } from '../main';
import { runCallCommand } from './call';
import { dirname, join } from 'node:path';
import { forgetDevKey, showDevKey, showFirstOperator, type DevKeyShown } from './dev-key';
import { registerHistoryCommands } from './history';
import { registerKeysCommand } from './keys';
import { registerOperatorCommand } from './operator';
import { registerPromptsCommand } from './prompts';
import { registerWebhooksCommand } from './webhooks-listen';

/** Exit codes: 0 ok, 1 the operation failed, 2 configuration or usage error. */
function load(file: string | undefined): LoadedConfig {
  try {
    return loadConfig({ file, env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pbxverify: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function serve(opts: { config?: string }): Promise<void> {
  const { config, file } = load(opts.config);
  const engine = await createEngine(config, { reloadConfig: () => loadConfig({ file, env: process.env, cwd: process.cwd() }).config }).catch((err: unknown) => {
    if (!(err instanceof DevKeyRefusedError)) throw err;
    process.stderr.write(`pbxverify: ${err.message}\n`);
    process.exit(2);
  });
  if (file) engine.logger.info({ file }, 'configuration loaded');
  if (engine.ephemeralSecret) engine.logger.warn('PBXVERIFY_SECRET is not set: codes will not survive a restart');
  const { host, port } = await engine.start();
  let devKeyShown: DevKeyShown | undefined;
  if (engine.devKey) {
    const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const url = `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
    devKeyShown = showDevKey(engine.devKey, { url, stdout: process.stdout, stderr: process.stderr, file: config.devKeyFile, cwd: process.cwd() });
    // the secret itself never goes into the log: only where it went
    if (devKeyShown.to === 'file') engine.logger.warn({ file: devKeyShown.path }, 'no API key configured: development key written to a file (mode 0600)');
    else engine.logger.warn('no API key configured: development key shown on the terminal');
  }
  const firstOperator = engine.consoleFirstOperator();
  if (firstOperator) {
    // like the development key: shown once to a person (terminal, else a 0600 file), never logged
    const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const shown = showFirstOperator(firstOperator, { url: `http://${local.includes(':') ? `[${local}]` : local}:${port}/console`, stdout: process.stdout, stderr: process.stderr, file: join(dirname(config.devKeyFile), 'console-admin.txt'), cwd: process.cwd() });
    engine.logger.warn(shown.to === 'file' ? { file: shown.path } : {}, 'console: first operator "admin" made (development mode) and shown once');
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    engine.logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    if (devKeyShown) forgetDevKey(devKeyShown);
    engine
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        engine.logger.error({ err }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Trunks, routes and caller-ID pools; a bad file keeps what is in force (logged with its problems).
  process.on('SIGHUP', () => void engine.reloadRouting());
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function buildCli(): Command {
  const program = new Command()
    .name('pbxverify')
    .description('Self-hosted phone verification on your own Asterisk or FreeSWITCH')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .showHelpAfterError()
    .addHelpText(
      'after',
      [
        '',
        'Every command has --help (`pbxverify prompts render --help`). In a clone run `npx pbxverify …`;',
        '`npm link` puts `pbxverify` on your PATH. Configuration: --config FILE, PBXVERIFY_CONFIG or',
        './pbxverify.yaml, overridden by the variables `pbxverify config env` lists.',
        '',
      ].join('\n'),
    );

  program
    .command('serve', { isDefault: true })
    .description('run the engine and its HTTP API')
    .action(async () => serve(program.opts()));

  program
    .command('call')
    .description('place a QA call through the configured PBX and print every call event')
    .requiredOption('--to <number>', 'E.164 number to call')
    .option('--code <digits>', 'code to speak (voice) or to expect on the keypad (reverse)')
    .option('--lang <lang>', 'prompt language')
    .option('--reverse', 'reverse verification: collect the code as DTMF')
    .option('--flash', 'flash call: present a caller ID whose last digits are the code (flashCall pool or range, or --caller-id) and hang up on ringing')
    .option('--gate <digit>', 'ask the callee to press this digit first (voice)')
    .option('--amd <mode>', 'answering-machine detection: off, hangup or wait_for_beep (docs/amd.md)')
    .option('--caller-id <number>', 'caller ID to present')
    .option('--ring-timeout <seconds>', 'ring timeout', positiveInt)
    .option('--json', 'print events as JSON lines')
    .option('--record <dir>', 'simulator: write what the callee heard to <dir>/<call id>.wav')
    .action(async (opts: Parameters<typeof runCallCommand>[1]) => {
      const { config } = load(program.opts<{ config?: string }>().config);
      process.exitCode = await runCallCommand(config, opts);
    });

  registerPromptsCommand(program);
  registerHistoryCommands(program, load);

  const configCmd = program.command('config').description('configuration tools');
  configCmd
    .command('check')
    .description('validate the configuration and print it with secrets redacted')
    .option('--json', 'print JSON instead of YAML')
    .action((opts: { json?: boolean }) => {
      const { config, file } = load(program.opts<{ config?: string }>().config);
      const redacted = redactConfig(config);
      process.stdout.write(`# configuration OK${file ? ` (file: ${file})` : ' (defaults and environment)'}\n`);
      process.stdout.write(opts.json ? `${JSON.stringify(redacted, null, 2)}\n` : toYaml(redacted));
    });
  configCmd
    .command('env')
    .description('list the environment variables pbxverify reads')
    .action(() => {
      for (const v of ENV_VARS) process.stdout.write(`${v.name.padEnd(34)} ${v.description}\n`);
    });

  registerKeysCommand(program, load);
  registerOperatorCommand(program, load);
  registerWebhooksCommand(program, load);

  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`pbxverify: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
