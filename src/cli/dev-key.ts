import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface DevKey {
  id: string;
  secret: string;
  webhookSecret: string;
}

/** A stream that may be a terminal (process.stdout, process.stderr). */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Where the development key went: shown on a terminal, or written to a file (its path). */
export type DevKeyShown = { to: 'terminal' } | { to: 'file'; path: string };

/**
 * Shows the development key once, to a person and never into a log: on the terminal when stderr
 * or stdout is one (stderr first, so `npm start > engine.log` still shows it), else written to
 * `file` with mode 0600 (its directory 0700); the caller then logs the path only.
 */
export function showDevKey(key: DevKey, where: { url: string; stdout: Output; stderr: Output; file: string; cwd: string }): DevKeyShown {
  const terminal = where.stderr.isTTY ? where.stderr : where.stdout.isTTY ? where.stdout : undefined;
  if (terminal) {
    terminal.write(devKeyBanner(key, where.url));
    return { to: 'terminal' };
  }
  const path = resolve(where.cwd, where.file);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // a new file each run, so the mode applies even where an older copy was readable
  rmSync(path, { force: true });
  writeFileSync(path, devKeyFile(key, where.url), { mode: 0o600, flag: 'wx' });
  return { to: 'file', path };
}

/** Deletes the file a run wrote its development key to (the key dies with the run). */
export function forgetDevKey(shown: DevKeyShown): void {
  if (shown.to === 'file') rmSync(shown.path, { force: true });
}

export function devKeyBanner(key: DevKey, url: string): string {
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
    `   curl -u '${key.id}:${key.secret}' ${url}/v1/verifications \\`,
    `        -H 'content-type: application/json' -d '{"to":"+12025550100","channel":"call"}'`,
    line,
    '',
  ].join('\n');
}

function devKeyFile(key: DevKey, url: string): string {
  return [
    '# pbxverify development key for one run (deleted when the engine stops); not for production.',
    '# curl -u "$(grep ^dev: data/dev-key.txt)" ' + `${url}/v1/workflows`,
    `${key.id}:${key.secret}`,
    `webhook-secret=${key.webhookSecret}`,
    '',
  ].join('\n');
}

/**
 * The console's first operator (development mode, no operator yet), shown once like the
 * development key: on a terminal, else written to `file` with mode 0600. Unlike the key it lasts:
 * change it in the console or add operators with `pbxverify operator add`.
 */
export function showFirstOperator(op: { username: string; password: string }, where: { url: string; stdout: Output; stderr: Output; file: string; cwd: string }): DevKeyShown {
  const text = `console: no operator existed, so one was made (shown once)\n  ${where.url}\n  user ${op.username}\n  password ${op.password}\n`;
  const terminal = where.stderr.isTTY ? where.stderr : where.stdout.isTTY ? where.stdout : undefined;
  if (terminal) {
    terminal.write(`\n${text}\n`);
    return { to: 'terminal' };
  }
  const path = resolve(where.cwd, where.file);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  rmSync(path, { force: true });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  return { to: 'file', path };
}
