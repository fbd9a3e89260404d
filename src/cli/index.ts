#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';
import { ConfigError, ENV_VARS, loadConfig, redactConfig, type LoadedConfig } from '../config/load';
import { createEngine } from '../main';
import { webhookSecretFor } from '../webhooks/signing';
import { runCallCommand } from './call';
import { registerPromptsCommand } from './prompts';

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

function devKeyBanner(key: { id: string; secret: string; webhookSecret: string }, port: number): string {
  const line = '='.repeat(78);
  return [
    line,
    ' DEVELOPMENT API KEY — no keys are configured, so one was made for this run only.',
    ' It changes on every start. Configure PBXVERIFY_API_KEYS=id:secret for real use.',
    '',
    `   key id:         ${key.id}`,
    `   key secret:     ${key.secret}`,
    `   webhook secret: ${key.webhookSecret}`,
    '',
    `   curl -u '${key.id}:${key.secret}' http://127.0.0.1:${port}/v1/verifications \\`,
    `        -H 'content-type: application/json' -d '{"to":"+12025550100","channel":"call"}'`,
    line,
    '',
  ].join('\n');
}

async function serve(opts: { config?: string }): Promise<void> {
  const { config, file } = load(opts.config);
  const engine = await createEngine(config, { reloadConfig: () => loadConfig({ file, env: process.env, cwd: process.cwd() }).config });
  if (file) engine.logger.info({ file }, 'configuration loaded');
  if (engine.ephemeralSecret) engine.logger.warn('PBXVERIFY_SECRET is not set: codes will not survive a restart');
  const { port } = await engine.start();
  if (engine.devKey) process.stdout.write(devKeyBanner(engine.devKey, port));
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    engine.logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
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
    .showHelpAfterError();

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
    .option('--gate <digit>', 'ask the callee to press this digit first (voice)')
    .option('--caller-id <number>', 'caller ID to present')
    .option('--ring-timeout <seconds>', 'ring timeout', positiveInt)
    .option('--json', 'print events as JSON lines')
    .option('--record <dir>', 'simulator: write what the callee heard to <dir>/<call id>.wav')
    .action(async (opts: Parameters<typeof runCallCommand>[1]) => {
      const { config } = load(program.opts<{ config?: string }>().config);
      process.exitCode = await runCallCommand(config, opts);
    });

  registerPromptsCommand(program);

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

  const keysCmd = program.command('keys').description('API key tools');
  keysCmd
    .command('list')
    .description('list configured keys (no secrets)')
    .action(() => {
      const { config } = load(program.opts<{ config?: string }>().config);
      for (const k of config.apiKeys) {
        process.stdout.write(`${k.id}\t${k.disabled ? 'disabled' : 'enabled'}\tchannels=${k.allowedChannels.join(',')}\t${k.name ?? ''}\n`);
      }
    });
  keysCmd
    .command('webhook-secret <id>')
    .description("print the Standard Webhooks secret a key's webhooks are signed with")
    .action((id: string) => {
      const { config } = load(program.opts<{ config?: string }>().config);
      const key = config.apiKeys.find((k) => k.id === id);
      if (!key) {
        process.stderr.write(`pbxverify: no key "${id}"\n`);
        process.exit(2);
      }
      if (!key.webhookSecret && !config.secret) {
        process.stderr.write('pbxverify: the secret is derived from PBXVERIFY_SECRET, which is not set\n');
        process.exit(2);
      }
      process.stdout.write(`${webhookSecretFor(key, config.secret ?? '')}\n`);
    });

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
