import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CHANNELS } from '../../config/schema';
import { GROUP_BY, type History, type VerificationFilter } from '../../history/port';
import { AppError, type ErrorCode } from '../../lib/errors';
import { parseE164 } from '../../verification/numbers';
import { makeErrorHandler } from '../error-handler';
import { encodeCursor, parseChoice, parseCursor, parseGroupBy, parseLimit, parsePattern, parseRange, rejectUnknown, single } from '../history-query';
import { conversionSchema, csvSchema, historyErrors, verificationPageSchema } from '../history-schemas';
import { conversionView, CSV_COLUMNS, csvLine, historyVerificationView } from '../history-views';
import type { KeyRing } from '../keys';

export interface HistoryRouteDeps {
  keys: KeyRing;
  /** Undefined when the history is off (`history.url: off`): every route answers HISTORY_DISABLED. */
  history: History | undefined;
  /** The stored form of a number (hashed, masked or full, as `history.numbers` says). */
  storedNumber(e164: string): string;
  maxPageSize: number;
  now(): number;
  logger: Logger;
  onRefusal(code: ErrorCode): void;
}

const DAY = 86_400_000;
const STATUSES = ['pending', 'approved', 'failed', 'expired', 'canceled'] as const;
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const text = z.string().optional();
const listQuery = z
  .object({
    from: text.describe('ISO 8601 time or epoch ms (default: 30 days before `to`)'),
    to: text.describe('ISO 8601 time or epoch ms, exclusive (default: now)'),
    status: text.describe(STATUSES.join(' | ')),
    country: text.describe('ISO country, e.g. GB'),
    channel: text.describe(CHANNELS.join(' | ') + ' (first workflow step)'),
    number: text.describe('E.164 number (matched against the stored, usually hashed, form)'),
    key: text.describe('API key id'),
    limit: text.describe('Page size, 1 to history.maxPageSize (default 50)'),
    cursor: text.describe('`next_cursor` of the previous page'),
  })
  .loose()
  .describe('Unknown parameters are refused (QUERY_PARAM_UNKNOWN)');
const reportQuery = z
  .object({
    group_by: z.string().optional().describe(`Required: one of ${GROUP_BY.join(' | ')}, or two comma-separated (country,day)`),
    from: text.describe('ISO 8601 time or epoch ms (default: 30 days before `to`)'),
    to: text.describe('ISO 8601 time or epoch ms, exclusive (default: now)'),
    key: text.describe('API key id'),
  })
  .loose();
const csvQuery = z.object({ from: text.describe('default: 1 day before `to`'), to: text, key: text }).loose();

/**
 * The history API (admin keys, or keys with the `reports` permission; every key's data):
 * GET /v1/verifications, GET /v1/reports/conversion, GET /v1/reports/attempts.csv.
 */
export function historyRoutes(deps: HistoryRouteDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code)));
    app.addHook('onRequest', async (request) => {
      const key = deps.keys.fromHeader(request.headers.authorization);
      if (key.admin !== true && key.reports !== true) throw new AppError('REPORTS_REQUIRED');
      request.apiKey = key;
      if (!deps.history) throw new AppError('HISTORY_DISABLED');
    });
    const history = deps.history as History;
    const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        if (err instanceof AppError) throw err;
        deps.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'history query failed');
        throw new AppError('HISTORY_UNAVAILABLE');
      }
    };
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/v1/verifications',
      { schema: { summary: 'Search the verification history (newest first, cursor pagination)', tags: ['history'], querystring: listQuery, response: { 200: verificationPageSchema, ...historyErrors } } },
      async (request) => {
        const q = request.query as Record<string, unknown>;
        rejectUnknown(q, ['from', 'to', 'status', 'country', 'channel', 'number', 'key', 'limit', 'cursor']);
        const range = parseRange(q, { spanMs: 30 * DAY, maxMs: 3660 * DAY, now: deps.now() });
        const number = single(q, 'number');
        const filter: VerificationFilter = {
          ...range,
          status: parseChoice(q, 'status', STATUSES),
          channel: parseChoice(q, 'channel', CHANNELS),
          country: parsePattern(q, 'country', /^[A-Z]{2}$/),
          keyId: parsePattern(q, 'key', KEY_ID),
          number: number === undefined ? undefined : deps.storedNumber(parseE164(number).e164),
        };
        const limit = parseLimit(q, deps.maxPageSize, 50);
        const page = await guarded(() => history.listVerifications(filter, limit, parseCursor(q)));
        return { items: page.items.map((row) => historyVerificationView(row)), next_cursor: page.next ? encodeCursor(page.next) : null };
      },
    );

    r.get(
      '/v1/reports/conversion',
      { schema: { summary: 'Conversion report: started, delivered, verified, rate, median time to verify, cost', tags: ['history'], querystring: reportQuery, response: { 200: conversionSchema, ...historyErrors } } },
      async (request) => {
        const q = request.query as Record<string, unknown>;
        rejectUnknown(q, ['group_by', 'from', 'to', 'key']);
        const groupBy = parseGroupBy(q);
        const range = parseRange(q, { spanMs: 30 * DAY, maxMs: 400 * DAY, now: deps.now() });
        const keyId = parsePattern(q, 'key', KEY_ID);
        const rows = await guarded(() => history.conversion(groupBy, { ...range, keyId }));
        return { group_by: groupBy.join(','), from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), rows: rows.map((row) => conversionView(row, groupBy)) };
      },
    );

    r.get(
      '/v1/reports/attempts.csv',
      { schema: { summary: 'Attempts (CDRs) of a time range as CSV, streamed', tags: ['history'], querystring: csvQuery, produces: ['text/csv'], response: { 200: csvSchema, ...historyErrors } } },
      async (request, reply) => {
        const q = request.query as Record<string, unknown>;
        rejectUnknown(q, ['from', 'to', 'key']);
        const range = parseRange(q, { spanMs: DAY, maxMs: 400 * DAY, now: deps.now() });
        const keyId = parsePattern(q, 'key', KEY_ID);
        // Fail before the 200 when the database is away; later failures cut the stream.
        await guarded(async () => {
          if (!(await history.ping())) throw new Error('history database unreachable');
        });
        const rows = history.attempts({ ...range, keyId });
        async function* lines(): AsyncGenerator<string> {
          yield `${CSV_COLUMNS.join(',')}\r\n`;
          let chunk = '';
          for await (const row of rows) {
            chunk += csvLine(row);
            if (chunk.length > 64 * 1024) {
              yield chunk;
              chunk = '';
            }
          }
          if (chunk) yield chunk;
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="attempts-${new Date(range.from).toISOString().slice(0, 10)}.csv"`)
          // the 200 schema documents the CSV text; the body is that text, streamed
          .send(Readable.from(lines()) as unknown as string);
      },
    );
  };
}
