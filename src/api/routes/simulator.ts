import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { verificationIdOfTag } from '../../pbx/port';
import type { SimulatorPbx } from '../../pbx/simulator/simulator-pbx';
import { QUERY_TO_ERRORS, queryE164 } from '../query-number';

const query = z.object({ to: queryE164.optional() });
const config = { fieldErrors: QUERY_TO_ERRORS };

export interface SimulatorRouteDeps {
  simulator: SimulatorPbx;
  /** The key id that owns a verification (undefined when unknown or gone). */
  ownerOf(verificationId: string): Promise<string | undefined>;
}

/**
 * QA view of the built-in simulator (registered only when the PBX is the simulator): its test
 * numbers, and the calls and SMS of the calling key's own verifications, never another key's.
 */
export function simulatorRoutes(app: FastifyInstance, deps: SimulatorRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  /** Keeps the entries whose attempt tag belongs to a verification of the request's key. */
  async function ownedBy<T extends { tag: string }>(request: FastifyRequest, entries: T[]): Promise<T[]> {
    const owners = new Map<string, Promise<string | undefined>>();
    const keep = await Promise.all(
      entries.map(async (entry) => {
        const id = verificationIdOfTag(entry.tag);
        if (id === undefined) return false;
        if (!owners.has(id)) owners.set(id, deps.ownerOf(id));
        return (await owners.get(id)) === request.apiKey.id;
      }),
    );
    return entries.filter((_, i) => keep[i]);
  }
  r.get('/v1/simulator/numbers', { schema: { summary: 'Simulator test numbers', tags: ['simulator'] } }, async () => ({
    numbers: deps.simulator.testNumbers(),
  }));
  r.get('/v1/simulator/calls', { config, schema: { summary: "Simulated calls of this key's verifications and what was played", tags: ['simulator'], querystring: query } }, async (request) => ({
    calls: (await ownedBy(request, deps.simulator.callLogs(request.query.to === undefined ? {} : { to: request.query.to }))).map(({ tag: _tag, ...call }) => call),
  }));
  const inboundBody = z
    .object({
      from: z.string().max(80).describe('The caller number exactly as the network would present it (may be national, 00…, anonymous, malformed)'),
      to: z.string().regex(/^\+[1-9][0-9]{6,14}$/).describe('The missed-call number dialled (missed_call.call_to)'),
      withheld: z.boolean().optional(),
      attestation: z.enum(['A', 'B', 'C', 'failed']).optional().describe('STIR/SHAKEN result the PBX would pass'),
    })
    .strict();
  r.post('/v1/simulator/inbound', { schema: { summary: 'A simulated phone calls one of the missed-call numbers; answers how the engine refused it', tags: ['simulator'], body: inboundBody } }, async (request) => {
    const b = request.body;
    const call = await deps.simulator.placeInbound({ from: b.from, did: b.to, ...(b.withheld !== undefined ? { withheld: b.withheld } : {}), ...(b.attestation ? { attestation: b.attestation } : {}) });
    return { call: { id: call.id, to: call.did, rejected: call.rejected ?? null } };
  });
  r.get('/v1/simulator/inbound', { config, schema: { summary: 'Calls simulated phones placed to the missed-call numbers, from this number', tags: ['simulator'], querystring: z.object({ from: queryE164 }) } }, async (request) => ({
    calls: deps.simulator.inboundLogs({ from: request.query.from }).map((c) => ({ id: c.id, from: c.from, to: c.did, rejected: c.rejected ?? null })),
  }));
  r.get('/v1/simulator/messages', { config, schema: { summary: "Simulated SMS of this key's verifications", tags: ['simulator'], querystring: query } }, async (request) => ({
    messages: (await ownedBy(request, deps.simulator.messageLog(request.query.to === undefined ? {} : { to: request.query.to }))).map(({ tag: _tag, ...message }) => message),
  }));
}
