import type { RateRow } from './port';

/** A refused rate deck: every bad line with its number (nothing is imported). */
export class RateDeckError extends Error {
  constructor(readonly problems: string[]) {
    super(`rate deck refused (nothing imported):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RateDeckError';
  }
}

export const RATE_DECK_COLUMNS = ['prefix', 'rate_per_min', 'increments', 'connection_fee', 'sms_price', 'currency', 'valid_from'] as const;

const MONEY = /^\d{1,9}(\.\d{1,6})?$/;

function micros(text: string): number {
  const [whole, frac = ''] = text.split('.');
  return Number(whole) * 1e6 + Number(frac.padEnd(6, '0'));
}

/**
 * Parses a rate deck CSV (header `prefix,rate_per_min,increments,connection_fee,sms_price,currency,valid_from`):
 * prefix digits (E.164 without +), money as decimals, increments `60/60` or `1/1`, ISO valid-from
 * date (empty: always). Every problem is collected with its line number; one bad row refuses all.
 */
export function parseRateDeck(trunk: string, csv: string): RateRow[] {
  const problems: string[] = [];
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  if (header.join(',') !== RATE_DECK_COLUMNS.join(',')) throw new RateDeckError([`line 1: header must be ${RATE_DECK_COLUMNS.join(',')}`]);
  const rows: RateRow[] = [];
  const seen = new Set<string>();
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    if (line.trim() === '') return;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== RATE_DECK_COLUMNS.length) return void problems.push(`line ${n}: ${cells.length} fields, expected ${RATE_DECK_COLUMNS.length}`);
    const [prefix, rate, increments, fee, sms, currency, validFrom] = cells as [string, string, string, string, string, string, string];
    const bad = (what: string): void => void problems.push(`line ${n}: ${what}`);
    if (!/^[1-9]\d{0,14}$/.test(prefix)) bad(`prefix "${prefix}" must be 1-15 digits without + or leading 0`);
    for (const [name, value] of [['rate_per_min', rate], ['connection_fee', fee], ['sms_price', sms]] as const) if (!MONEY.test(value)) bad(`${name} "${value}" must be a decimal such as 0.0125`);
    const inc = /^(\d{1,4})\/(\d{1,4})$/.exec(increments);
    if (!inc || Number(inc[1]) < 1 || Number(inc[2]) < 1) bad(`increments "${increments}" must be like 60/60 or 1/1`);
    if (!/^[A-Z]{3}$/.test(currency)) bad(`currency "${currency}" must be an ISO 4217 code such as EUR`);
    const from = validFrom === '' ? 0 : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(validFrom) ? `${validFrom}T00:00:00Z` : validFrom);
    if (!Number.isFinite(from) || (validFrom !== '' && !/^\d{4}-\d{2}-\d{2}/.test(validFrom))) bad(`valid_from "${validFrom}" must be an ISO date such as 2026-11-01`);
    const key = `${prefix}@${from}`;
    if (seen.has(key)) bad(`prefix ${prefix} valid from ${validFrom || 'always'} appears twice`);
    seen.add(key);
    if (problems.length === 0 && inc) {
      rows.push({ trunk, prefix, ratePerMinMicros: micros(rate), firstIncrement: Number(inc[1]), nextIncrement: Number(inc[2]), connectionFeeMicros: micros(fee), smsPriceMicros: micros(sms), currency, validFrom: from });
    }
  });
  if (problems.length > 0) throw new RateDeckError(problems);
  if (rows.length === 0) throw new RateDeckError(['the deck has no rates']);
  const currencies = new Set(rows.map((r) => r.currency));
  if (currencies.size > 1) throw new RateDeckError([`one currency per deck (found ${[...currencies].join(', ')})`]);
  return rows;
}

/** Seconds billed for `billsec` with increments first/next (60/60: whole minutes; 1/1: per second). */
export function billedSeconds(billsec: number, first: number, next: number): number {
  if (billsec <= 0) return 0;
  if (billsec <= first) return first;
  return first + Math.ceil((billsec - first) / next) * next;
}

export interface CostQuery {
  trunk: string;
  /** E.164 with +. */
  number: string;
  channel: string;
  billsec: number | null;
  smsParts: number | null;
  /** The call was answered (the connection fee applies). */
  answered: boolean;
  /** When the attempt started (the rate valid then applies). */
  at: number;
}

/**
 * The rate decks in memory: longest-prefix match per trunk, the newest rate valid at the
 * attempt's time. Calls cost the connection fee (when answered) plus the per-minute rate over
 * the billed seconds; SMS cost the price per part (deck of the trunk named `sms`).
 */
export class CostModel {
  private readonly byTrunk = new Map<string, Map<string, RateRow[]>>();

  constructor(rates: readonly RateRow[]) {
    for (const rate of rates) {
      let prefixes = this.byTrunk.get(rate.trunk);
      if (!prefixes) this.byTrunk.set(rate.trunk, (prefixes = new Map<string, RateRow[]>()));
      const list = prefixes.get(rate.prefix) ?? [];
      list.push(rate);
      list.sort((a, b) => b.validFrom - a.validFrom);
      prefixes.set(rate.prefix, list);
    }
  }

  get size(): number {
    return this.byTrunk.size;
  }

  rateFor(trunk: string, number: string, at: number): RateRow | undefined {
    const prefixes = this.byTrunk.get(trunk);
    if (!prefixes) return undefined;
    const digits = number.replace(/^\+/, '');
    for (let len = Math.min(15, digits.length); len > 0; len--) {
      const found = prefixes.get(digits.slice(0, len))?.find((r) => r.validFrom <= at);
      if (found) return found;
    }
    return undefined;
  }

  cost(q: CostQuery): { micros: number; currency: string } | undefined {
    if (q.channel === 'sms') {
      const rate = this.rateFor(q.trunk, q.number, q.at);
      return rate && q.smsParts !== null ? { micros: rate.smsPriceMicros * q.smsParts, currency: rate.currency } : undefined;
    }
    const rate = this.rateFor(q.trunk, q.number, q.at);
    if (!rate || q.billsec === null) return undefined;
    const seconds = billedSeconds(q.billsec, rate.firstIncrement, rate.nextIncrement);
    return { micros: (q.answered ? rate.connectionFeeMicros : 0) + Math.round((rate.ratePerMinMicros * seconds) / 60), currency: rate.currency };
  }
}
