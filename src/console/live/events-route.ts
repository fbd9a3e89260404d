import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { makeErrorHandler } from '../../api/error-handler';
import type { KeyRing } from '../../api/keys';
import { AppError, type ErrorCode } from '../../lib/errors';
import { LIVE_EVENT_TYPES, type LiveEventType } from './bus';
import type { EventStreams } from './sse';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const eventsQuery = z
  .strictObject({
    trunk: z.string().regex(NAME).optional().describe('Only events of calls on this trunk'),
    key: z.string().regex(NAME).optional().describe('Only events of this API key (admin keys; other keys always get their own only)'),
    types: z.string().max(500).optional().describe(`Comma-separated event types: ${LIVE_EVENT_TYPES.join(', ')}`),
  })
  .describe('Unknown parameters are refused');

/** Parses `types=a,b`; an unknown type is QUERY_VALUE_INVALID. */
export function parseTypes(raw: string | undefined): Set<LiveEventType> | undefined {
  if (raw === undefined || raw === '') return undefined;
  const types = raw.split(',').map((t) => t.trim());
  const unknown = types.filter((t) => !(LIVE_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw new AppError('QUERY_VALUE_INVALID', { details: { field: 'types', unknown, allowed: LIVE_EVENT_TYPES } });
  return new Set(types as LiveEventType[]);
}

/**
 * GET /v1/events: the live event stream (Server-Sent Events) for API clients. A key sees its own
 * verifications' events; an admin or reports key sees every key's, or one key's with `key=`.
 * Numbers appear masked, typed digits as a count.
 */
export function eventRoutes(deps: { keys: KeyRing; streams: EventStreams; logger: Logger; onRefusal(code: ErrorCode): void }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler(makeErrorHandler(deps.logger, (code) => deps.onRefusal(code)));
    app.addHook('onRequest', async (request) => {
      request.apiKey = deps.keys.fromHeader(request.headers.authorization);
    });
    app.addHook('preClose', (done) => {
      deps.streams.closeAll();
      done();
    });
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/v1/events',
      {
        schema: {
          summary: 'Live events (Server-Sent Events): verification and attempt progress, SMS receipts',
          description:
            'A text/event-stream; each event has `id` (increasing), `event` (its type) and `data` (JSON: verificationId, attempt, keyId, trunk, channel, masked `to`, and per type outcome, result, q850, sip, gate, digits (a count), prompts). ' +
            'Clients reconnect by themselves (retry: 2000); events while disconnected are not replayed.',
          tags: ['verifications'],
          querystring: eventsQuery,
          produces: ['text/event-stream'],
          response: { 200: z.string().describe('text/event-stream') },
        },
      },
      async (request, reply) => {
        const key = request.apiKey;
        const everyKey = key.admin === true || key.reports === true;
        if (request.query.key !== undefined && !everyKey && request.query.key !== key.id) throw new AppError('REPORTS_REQUIRED');
        const types = parseTypes(request.query.types);
        if (deps.streams.full()) throw new AppError('EVENT_STREAMS_FULL');
        deps.streams.serve(request, reply, { keyId: everyKey ? request.query.key : key.id, trunk: request.query.trunk, types });
      },
    );
  };
}
