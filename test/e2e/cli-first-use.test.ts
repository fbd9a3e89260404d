import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildCli } from '../../src/cli/index';
import { loadConfig } from '../../src/config/load';
import { ROOT } from '../support/engine-process';

/** Runs the package's bin (what `npx pbxverify` and `npm link` run) to completion. */
function bin(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [join(ROOT, 'bin/pbxverify.js'), ...args], env);
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? homedir(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every command and subcommand of the CLI, as argument lists (`['prompts', 'render']`). */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

describe('the command line from a clone (e2e)', () => {
  const paths = commandPaths(buildCli());

  it('has the commands the README uses', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['serve', 'call', 'prompts check', 'prompts render', 'config check', 'config env', 'keys new', 'keys webhook-secret', 'webhooks listen']),
    );
  });

  it.each([['', [] as string[]] as const, ...paths.map((p) => [`${p.join(' ')} `, p] as const)])('prints usage for `pbxverify %s--help` and exits 0', async (_name, path) => {
    // in process, as commander runs it (a process per command costs seconds on a loaded machine)
    const program = buildCli();
    let stdout = '';
    let stderr = '';
    const quiet = (cmd: Command): void => {
      cmd.exitOverride().configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
      cmd.commands.forEach(quiet);
    };
    quiet(program);
    const exit = await program.parseAsync(['node', 'pbxverify', ...path, '--help']).then(
      () => 'no exit',
      (err: { exitCode?: number; code?: string }) => `${err.code} ${err.exitCode}`,
    );
    expect({ exit, stderr }).toEqual({ exit: 'commander.helpDisplayed 0', stderr: '' });
    expect(stdout).toMatch(new RegExp(`^Usage: pbxverify${path.map((p) => ` ${p}`).join('')} `));
    expect(stdout).toContain('-h, --help');
  });

  it.each(['--help', 'prompts render --help', 'webhooks listen --help'])('prints usage from the package bin: pbxverify %s', async (args) => {
    const { code, stdout, stderr } = await bin(args.split(' '));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: pbxverify /);
  });

  it('runs as `npx pbxverify` inside the clone (the package bin), without the network', async () => {
    const { code, stdout } = await run('npm', ['exec', '--offline', '--', 'pbxverify', 'config', 'env']);
    expect(code).toBe(0);
    expect(stdout).toContain('PBXVERIFY_API_KEYS');
  }, 60_000);

  it('makes keys the configuration accepts, with 20-character secrets for Zadarma', async () => {
    const plain = await bin(['keys', 'new', 'shop']);
    const zadarma = await bin(['keys', 'new', 'zd', '--zadarma']);
    expect(plain).toMatchObject({ code: 0, stdout: expect.stringMatching(/^shop:[A-Za-z0-9]{32}\n$/) });
    expect(zadarma).toMatchObject({ code: 0, stdout: expect.stringMatching(/^zd:[A-Za-z0-9]{20}\n$/) });
    expect((await bin(['keys', 'new', 'shop'])).stdout).not.toBe(plain.stdout);
    const { config } = loadConfig({ env: { PBXVERIFY_API_KEYS: `${plain.stdout.trim()},${zadarma.stdout.trim()}` }, cwd: tmpdir() });
    expect(config.apiKeys.map((k) => [k.id, k.secret.length])).toEqual([
      ['shop', 32],
      ['zd', 20],
    ]);
    expect(await bin(['keys', 'new', 'no spaces'])).toMatchObject({ code: 2, stdout: '' });
    expect(await bin(['keys', 'new', 'shop', '--length', '8'])).toMatchObject({ code: 1, stderr: expect.stringContaining('16 to 64') });
  }, 90_000);

  it('refuses a configuration typo with its path and the nearest key instead of running on defaults', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pbxverify-typo-')), 'pbxverify.yaml');
    writeFileSync(file, 'calls:\n  ringTimeoutSecond: 5\nfoo: 1\n');
    const { code, stdout, stderr } = await bin(['--config', file, 'config', 'check'], { PBXVERIFY_PROT: '9000' });
    expect(code).toBe(2);
    expect(stdout).not.toContain('configuration OK');
    expect(stderr).toContain('calls.ringTimeoutSecond: unknown key (did you mean ringTimeoutSeconds?)');
    expect(stderr).toContain('foo: unknown key');
    expect(stderr).toContain('PBXVERIFY_PROT: unknown variable (did you mean PBXVERIFY_PORT?)');
  });
});
