import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { SimulatorPbx } from '../../pbx/simulator/simulator-pbx';
import { QUERY_TO_ERRORS, queryE164 } from '../query-number';

const query = z.object({ to: queryE164.optional() });
const config = { fieldErrors: QUERY_TO_ERRORS };

/** QA view of the built-in simulator: its test numbers, and what each simulated call heard. */
export function simulatorRoutes(app: FastifyInstance, simulator: SimulatorPbx): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/simulator/numbers', { schema: { summary: 'Simulator test numbers', tags: ['simulator'] } }, async () => ({
    numbers: simulator.testNumbers(),
  }));
  r.get('/v1/simulator/calls', { config, schema: { summary: 'Simulated calls and what was played', tags: ['simulator'], querystring: query } }, async (request) => ({
    calls: simulator.callLogs(request.query.to === undefined ? {} : { to: request.query.to }),
  }));
  r.get('/v1/simulator/messages', { config, schema: { summary: 'Simulated SMS sent', tags: ['simulator'], querystring: query } }, async (request) => ({
    messages: simulator.messageLog(request.query.to === undefined ? {} : { to: request.query.to }),
  }));
}
