import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { ConsoleAccounts } from '../console/accounts';
import { newPassword } from '../console/passwords';
import { ROLES, type Role } from '../console/port';
import { AppError } from '../lib/errors';
import { openHistoryOf } from './history';
import type { LoadOrExit } from './keys';

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(ROLES.join(' | '));
  return value as Role;
}

/** `pbxverify operator add|list`: console accounts in the history database (docs/console.md). */
export function registerOperatorCommand(program: Command, load: LoadOrExit): void {
  const configFile = (): string | undefined => program.opts<{ config?: string }>().config;
  const operator = program.command('operator').description('operator console accounts');

  operator
    .command('add <username>')
    .description('add a console operator; prints a generated password unless --password-stdin')
    .option('--role <role>', `${ROLES.join(' | ')}`, role, 'admin' as Role)
    .option('--password-stdin', 'read the password (12 to 200 characters) from standard input')
    .action(async (username: string, opts: { role: Role; passwordStdin?: boolean }) => {
      const history = openHistoryOf(load(configFile()).config);
      try {
        await history.migrate();
        const accounts = new ConsoleAccounts(history.console, { maxFailedLogins: 5, lockoutMs: 0 }, Date.now);
        const password = opts.passwordStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : newPassword();
        await accounts.addOperator('cli', username, opts.role, password);
        process.stdout.write(`operator ${username} (${opts.role}) added${opts.passwordStdin ? '' : `; password (shown once): ${password}`}\n`);
      } catch (err) {
        process.stderr.write(`pbxverify: ${err instanceof AppError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      } finally {
        await history.close();
      }
    });

  operator
    .command('list')
    .description('list console operators (no passwords)')
    .action(async () => {
      const history = openHistoryOf(load(configFile()).config);
      try {
        await history.migrate();
        for (const o of await history.console.listOperators()) process.stdout.write(`${o.username}\t${o.role}\t${o.disabled ? 'disabled' : 'enabled'}\n`);
      } finally {
        await history.close();
      }
    });
}
