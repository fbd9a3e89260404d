import { randomInt } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import type { LoadedConfig } from '../config/load';
import type { Config } from '../config/schema';
import { webhookSecretFor } from '../webhooks/signing';

/** Loads the configuration or exits 2 with its problems (src/cli/index.ts). */
export type LoadOrExit = (file: string | undefined) => LoadedConfig;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Zadarma's npm client (`zadarma` 1.1.x) signs a request only when the secret is exactly 20
 * characters long, the length of the secrets Zadarma issues; other lengths send no
 * Authorization header at all. A key meant for /compat/zadarma therefore gets 20 characters.
 */
export const ZADARMA_SECRET_LENGTH = 20;

/**
 * A new key secret: letters and digits only (safe in `PBXVERIFY_API_KEYS`, URLs, headers and
 * YAML), each from `crypto.randomInt`; 20 characters carry 119 bits, 32 carry 190.
 */
export function newKeySecret(length: number): string {
  let secret = '';
  for (let i = 0; i < length; i++) secret += ALPHABET[randomInt(ALPHABET.length)];
  return secret;
}

/** The `whsec_…` a key's webhooks are signed with, or why it cannot be known. */
export function keyWebhookSecret(config: Readonly<Config>, id: string): { secret: string } | { error: string } {
  const key = config.apiKeys.find((k) => k.id === id);
  if (!key) return { error: `no key "${id}" (configured: ${config.apiKeys.map((k) => k.id).join(', ') || 'none'})` };
  if (!key.webhookSecret && !config.secret) {
    return { error: `the webhook secret of "${id}" is derived from PBXVERIFY_SECRET, which is not set (the engine then picks a random one per run)` };
  }
  return { secret: webhookSecretFor(key, config.secret ?? '') };
}

function secretLength(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 16 || n > 64) throw new InvalidArgumentError('16 to 64 characters');
  return n;
}

/** `pbxverify keys …`: list, create, and print webhook secrets. */
export function registerKeysCommand(program: Command, load: LoadOrExit): void {
  const configFile = (): string | undefined => program.opts<{ config?: string }>().config;
  const keys = program.command('keys').description('API key tools');

  keys
    .command('list')
    .description('list configured keys (no secrets)')
    .action(() => {
      const { config } = load(configFile());
      for (const k of config.apiKeys) {
        process.stdout.write(`${k.id}\t${k.disabled ? 'disabled' : 'enabled'}\tchannels=${k.allowedChannels.join(',')}\t${k.name ?? ''}\n`);
      }
    });

  keys
    .command('new <id>')
    .description('make a key: prints <id>:<secret> for PBXVERIFY_API_KEYS (or the id and secret of an apiKeys entry)')
    .option('--length <n>', 'secret length, 16-64', secretLength, 32)
    .option('--zadarma', `a ${ZADARMA_SECRET_LENGTH}-character secret, the only length Zadarma's npm client signs with (docs/compat.md)`)
    .addHelpText('after', '\nExample:\n  export PBXVERIFY_API_KEYS="$(npx pbxverify keys new shop)"\n')
    .action((id: string, opts: { length: number; zadarma?: boolean }) => {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
        process.stderr.write('pbxverify: a key id is 1-64 of A-Z a-z 0-9 _ . -\n');
        process.exit(2);
      }
      process.stdout.write(`${id}:${newKeySecret(opts.zadarma ? ZADARMA_SECRET_LENGTH : opts.length)}\n`);
    });

  keys
    .command('webhook-secret <id>')
    .description("print the Standard Webhooks secret a key's webhooks are signed with")
    .action((id: string) => {
      const found = keyWebhookSecret(load(configFile()).config, id);
      if ('error' in found) {
        process.stderr.write(`pbxverify: ${found.error}\n`);
        process.exit(2);
      }
      process.stdout.write(`${found.secret}\n`);
    });
}
