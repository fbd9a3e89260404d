import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseRateDeck } from '../history/cost';
import { parseGroupBy, parseRange } from '../api/history-query';
import { conversionView } from '../api/history-views';
import type { LoadedConfig } from '../config/load';
import type { Config } from '../config/schema';
import { openHistory, parseHistoryUrl } from '../history/open';
import { GROUP_BY, type GroupBy } from '../history/port';
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

/** `pbxverify migrate` and `pbxverify report`. */
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
        process.stderr.write(`pbxverify: ${isAppError(err) ? `${err.code}: ${err.message}` : String(err)}\n`);
        process.exit(2);
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
}
