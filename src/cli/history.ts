import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseRateDeck } from '../history/cost';
import { parseGroupBy, parseRange } from '../api/history-query';
import { conversionView, historyDetailView, money } from '../api/history-views';
import { numberStorage } from '../history/recorder';
import { parseE164 } from '../verification/numbers';
import type { LoadedConfig } from '../config/load';
import type { Config } from '../config/schema';
import { openHistory, parseHistoryUrl } from '../history/open';
import { GROUP_BY, type GroupBy, type VerificationHistory } from '../history/port';
import type { SqlHistory } from '../history/sql/sql-history';
import { isAppError } from '../lib/errors';

const DAY = 86_400_000;

export function openHistoryOf(config: Readonly<Config>): SqlHistory {
  const target = parseHistoryUrl(config.history.url, process.cwd());
  if (target.kind === 'off') throw new Error('the history is off (history.url: off / PBXVERIFY_HISTORY=off)');
  return openHistory(target, { poolSize: 1 });
}

/** A plain-text table, columns padded, numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (/^-?[0-9.,%]+$/.test(c) && i > 0 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** Exits 2 with the code and message of a refused argument. */
function refuse(err: unknown): never {
  process.stderr.write(`pbxverify: ${isAppError(err) ? `${err.code}: ${err.message}` : String(err instanceof Error ? err.message : err)}\n`);
  process.exit(2);
}

/** `pbxverify migrate`, `rates import`, `report` and `lookup`. */
export function registerHistoryCommands(program: Command, load: (file: string | undefined) => LoadedConfig): void {
  program
    .command('migrate')
    .description('bring the history database schema up to date (the engine also does this at start)')
    .action(async () => {
      const { config } = load(program.opts<{ config?: string }>().config);
      const history = openHistoryOf(config);
      try {
        const { applied } = await history.migrate();
        const all = await history.appliedMigrations();
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
        process.stdout.write(`history ${history.kind}: schema ${all.at(-1) ?? '(none)'}\n`);
      } finally {
        await history.close();
      }
    });

  program
    .command('rates')
    .description('rate decks: per-trunk prices for cost reports (`--trunk sms` prices SMS parts)')
    .command('import <deck>')
    .description('replace a trunk\'s rate deck from a CSV file (all or nothing; errors name their lines)')
    .requiredOption('--trunk <name>', 'trunk the deck prices (sms: SMS)')
    .action(async (deck: string, opts: { trunk: string }) => {
      const { config } = load(program.opts<{ config?: string }>().config);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.trunk)) {
        process.stderr.write('pbxverify: --trunk must be 1-64 of A-Z a-z 0-9 _ . -\n');
        process.exit(2);
      }
      let rows;
      try {
        rows = parseRateDeck(opts.trunk, readFileSync(deck, 'utf8'));
      } catch (err) {
        process.stderr.write(`pbxverify: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(2);
      }
      const history = openHistoryOf(config);
      try {
        await history.migrate();
        await history.replaceRates(opts.trunk, rows);
        process.stdout.write(`imported ${rows.length} rates for trunk ${opts.trunk} (${rows[0]?.currency ?? ''})\n`);
      } finally {
        await history.close();
      }
    });

  program
    .command('report')
    .description('print the conversion report from the history')
    .option('--group-by <field>', `${GROUP_BY.join(' | ')}, or two comma-separated (country,day)`, 'country')
    .option('--from <time>', 'ISO 8601 or epoch ms (default: 30 days before --to)')
    .option('--to <time>', 'ISO 8601 or epoch ms (default: now)')
    .option('--key <id>', 'one API key only')
    .option('--json', 'print JSON')
    .action(async (opts: { groupBy: string; from?: string; to?: string; key?: string; json?: boolean }) => {
      const { config } = load(program.opts<{ config?: string }>().config);
      let groupBy: GroupBy[];
      let range: { from: number; to: number };
      try {
        groupBy = parseGroupBy({ group_by: opts.groupBy });
        range = parseRange({ ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) }, { spanMs: 30 * DAY, maxMs: 400 * DAY, now: Date.now() });
      } catch (err) {
        refuse(err);
      }
      const history = openHistoryOf(config);
      try {
        const rows = (await history.conversion(groupBy, { ...range, keyId: opts.key })).map((row) => conversionView(row, groupBy));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ group_by: groupBy.join(','), from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), rows }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`conversion by ${groupBy.join(' × ')}, ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()}\n\n`);
        process.stdout.write(
          table(
            [...groupBy, 'started', 'delivered', 'verified', 'conversion', 'median s', 'cost', 'per verified', 'currency'],
            rows.map((r) => [
              ...groupBy.map((by) => r.groups[by] ?? ''),
              String(r.started),
              String(r.delivered),
              String(r.verified),
              `${(r.conversion_rate * 100).toFixed(1)}%`,
              r.median_time_to_verify_ms === null ? '-' : (r.median_time_to_verify_ms / 1000).toFixed(1),
              r.cost ?? '-',
              r.cost_per_verified ?? '-',
              r.currency ?? '-',
            ]),
          ),
        );
      } finally {
        await history.close();
      }
    });

  program
    .command('lookup')
    .description('find the verifications of a number in the history (also long after they expired): attempts, causes, cost')
    .requiredOption('--number <e164>', 'the number, E.164 (+442079460123)')
    .option('--from <time>', 'ISO 8601 or epoch ms (default: 30 days before --to)')
    .option('--to <time>', 'ISO 8601 or epoch ms (default: now)')
    .option('--key <id>', 'one API key only')
    .option('--json', 'print JSON (each verification as GET /v1/verifications/{id} shows it)')
    .action(async (opts: { number: string; from?: string; to?: string; key?: string; json?: boolean }) => {
      const { config } = load(program.opts<{ config?: string }>().config);
      let number: string;
      let range: { from: number; to: number };
      try {
        number = parseE164(opts.number).e164;
        range = parseRange({ ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) }, { spanMs: 30 * DAY, maxMs: 3660 * DAY, now: Date.now() });
      } catch (err) {
        refuse(err);
      }
      // a hashed number is found again only under the secret it was hashed with
      if (config.history.numbers === 'hashed' && config.secret === undefined) refuse('history.numbers is hashed: set `secret` (PBXVERIFY_SECRET) to the engine\'s to look a number up');
      const stored = numberStorage(config.history.numbers, config.secret ?? '')(number);
      const history = openHistoryOf(config);
      try {
        const found: VerificationHistory[] = [];
        let after;
        do {
          const page = await history.listVerifications({ ...range, keyId: opts.key, number: stored }, 100, after);
          for (const row of page.items) {
            const detail = await history.getVerification(row.id);
            if (detail) found.push(detail);
          }
          after = page.next;
        } while (after && found.length < 1000);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ items: found.map((h) => ({ key_id: h.verification.keyId, ...historyDetailView(h) })) }, null, 2)}\n`);
          return;
        }
        if (found.length === 0) {
          process.stdout.write(`no verification of that number from ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()}\n`);
          return;
        }
        const text = (value: number | string | null): string => (value === null ? '-' : String(value));
        for (const { verification: v, attempts, costMicros, currency } of found) {
          process.stdout.write(`${v.id}  ${new Date(v.createdAt).toISOString()}  ${v.status}  ${text(v.reason)}  key ${v.keyId}  cost ${text(money(costMicros))} ${currency ?? ''}\n`);
          const rows = attempts.map((a) => [String(a.n), a.channel, text(a.result), text(a.outcome), text(a.trunk), text(a.callerId), text(a.billsec), text(a.sipStatus), text(a.q850), text(a.causeText), text(money(a.costMicros))]);
          const lines = table(['n', 'channel', 'result', 'outcome', 'trunk', 'caller id', 'billsec', 'sip', 'q850', 'cause', 'cost'], rows);
          process.stdout.write(lines.replace(/^(?=.)/gm, ' '.repeat(2)));
        }
      } finally {
        await history.close();
      }
    });
}
