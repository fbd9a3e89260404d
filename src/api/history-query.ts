import { AppError } from '../lib/errors';
import { GROUP_BY, type GroupBy, type PageCursor } from '../history/port';

/**
 * Query-string parsing for the history API, with one stable error code per kind of mistake
 * (the zod schemas on the routes document the parameters; they accept any string so that the
 * answers here, not a generic REQUEST_INVALID, tell the client what is wrong).
 */
export type Query = Record<string, unknown>;

export function rejectUnknown(query: Query, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new AppError('QUERY_PARAM_UNKNOWN', { details: { unknown, known } });
}

/** One value of a parameter (a repeated parameter is refused). */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AppError('QUERY_VALUE_INVALID', { details: { field: name, reason: 'given more than once' } });
  return value;
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** ISO 8601 (date, or date-time with a zone) or epoch milliseconds. */
export function parseTime(query: Query, name: string): number | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  let ms: number;
  if (/^\d{1,15}$/.test(raw)) ms = Number(raw);
  else if (ISO.test(raw)) ms = Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw);
  else ms = Number.NaN;
  if (!Number.isFinite(ms)) throw new AppError('QUERY_DATE_INVALID', { details: { field: name } });
  return ms;
}

export interface TimeRange {
  from: number;
  to: number;
}

/** `from`/`to` with defaults; refuses a reversed or too long range. */
export function parseRange(query: Query, defaults: { spanMs: number; maxMs: number; now: number }): TimeRange {
  const to = parseTime(query, 'to') ?? defaults.now + 1;
  const from = parseTime(query, 'from') ?? to - defaults.spanMs;
  if (to < from) throw new AppError('QUERY_RANGE_REVERSED', { details: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } });
  if (to - from > defaults.maxMs) throw new AppError('QUERY_RANGE_TOO_LONG', { details: { maxDays: Math.round(defaults.maxMs / 86_400_000) } });
  return { from, to };
}

export function parseLimit(query: Query, max: number, fallback: number): number {
  const raw = single(query, 'limit');
  if (raw === undefined) return Math.min(fallback, max);
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new AppError('QUERY_PAGE_SIZE_INVALID', { details: { field: 'limit', min: 1, max } });
  return n;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.id}`, 'utf8').toString('base64url');
}

export function parseCursor(query: Query): PageCursor | undefined {
  const raw = single(query, 'cursor');
  if (raw === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,15})\.([0-9a-f]{32})$/.exec(text);
  if (!match) throw new AppError('QUERY_CURSOR_INVALID', { details: { field: 'cursor' } });
  return { createdAt: Number(match[1]), id: match[2] as string };
}

export function parseChoice<T extends string>(query: Query, name: string, allowed: readonly T[], required = false): T | undefined {
  const raw = single(query, name);
  if (raw === undefined) {
    if (required) throw new AppError('QUERY_VALUE_INVALID', { details: { field: name, reason: 'required', allowed } });
    return undefined;
  }
  if (!allowed.includes(raw as T)) throw new AppError('QUERY_VALUE_INVALID', { details: { field: name, allowed } });
  return raw as T;
}

/** Most dimensions a report groups by at once (`group_by=country,day`). */
export const MAX_GROUP_BY = 2;

/** `group_by`: one dimension or two, comma-separated, each once (required). */
export function parseGroupBy(query: Query): GroupBy[] {
  const raw = single(query, 'group_by');
  if (raw === undefined || raw === '') throw new AppError('QUERY_VALUE_INVALID', { details: { field: 'group_by', reason: 'required', allowed: GROUP_BY } });
  const parts = raw.split(',');
  if (parts.length > MAX_GROUP_BY) throw new AppError('QUERY_VALUE_INVALID', { details: { field: 'group_by', reason: `at most ${MAX_GROUP_BY} dimensions`, allowed: GROUP_BY } });
  for (const part of parts) if (!GROUP_BY.includes(part as GroupBy)) throw new AppError('QUERY_VALUE_INVALID', { details: { field: 'group_by', allowed: GROUP_BY } });
  if (new Set(parts).size !== parts.length) throw new AppError('QUERY_VALUE_INVALID', { details: { field: 'group_by', reason: 'a dimension given twice' } });
  return parts as GroupBy[];
}

export function parsePattern(query: Query, name: string, pattern: RegExp): string | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  if (!pattern.test(raw)) throw new AppError('QUERY_VALUE_INVALID', { details: { field: name } });
  return raw;
}
