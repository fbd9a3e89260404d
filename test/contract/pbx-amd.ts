/**
 * The Pbx port's answering-machine detection contract (OriginateRequest.amd → Call.amd), run
 * against the simulator, the ARI driver on the ARI fake, the ESL driver on the ESL fake and,
 * opt-in, a real PBX (test/live). Kept beside test/contract/pbx.ts, not in it, so the two grow apart.
 */
import type { Call, OriginateRequest, Pbx } from '../../src/pbx/port';

export interface AmdHarness {
  pbx: Pbx;
  /** An answering machine: a long greeting, then a beep. */
  machine: string;
  /** A person who answers with a short word. */
  human: string;
  lang: string;
  /** When, after dialling `machine` with wait_for_beep, detection is surely under way (answered, no verdict yet). */
  abortAfterMs: number;
  close(): Promise<void>;
}

export function amdContract(name: string, setup: () => Promise<AmdHarness>, timeoutMs = 30_000): void {
  describe(`Pbx answering-machine detection: ${name}`, () => {
    let h: AmdHarness;
    const calls: Call[] = [];

    beforeAll(async () => {
      h = await setup();
    }, 20_000);
    afterEach(async () => {
      await Promise.all(calls.splice(0).map((c) => c.hangup()));
    });
    afterAll(async () => {
      await h.close();
    });

    const req = (to: string, extra: Partial<OriginateRequest> = {}): OriginateRequest => ({ to, lang: h.lang, ringTimeoutMs: 20_000, tag: 'amd-contract', ...extra });
    const dial = async (to: string, extra: Partial<OriginateRequest>): Promise<Call> => {
      const result = await h.pbx.originate(req(to, extra), { timeoutMs: 40_000 });
      if (!result.ok) throw new Error(`expected an answer, got ${result.end.outcome} (${JSON.stringify(result.end.cause)})`);
      calls.push(result.call);
      return result.call;
    };

    it('gives no verdict when detection was not asked for', async () => {
      const call = await dial(h.human, {});
      expect(call.amd).toBeUndefined();
    }, timeoutMs);

    it('classifies a long greeting as a machine (hangup mode), and the call stays ours to end', async () => {
      const call = await dial(h.machine, { amd: 'hangup' });
      expect(call.amd).toMatchObject({ result: 'machine' });
      expect(call.amd?.cause).toEqual(expect.any(String));
      expect(call.amd?.beep).toBeUndefined();
      await call.hangup();
      expect((await call.ended).by).toBe('local');
    }, timeoutMs);

    it('does not take a short word for a machine (human, or notsure: the code is spoken)', async () => {
      const call = await dial(h.human, { amd: 'hangup' });
      expect(['human', 'notsure']).toContain(call.amd?.result);
    }, timeoutMs);

    it('with wait_for_beep hands the machine over after its beep, ready to play a message', async () => {
      const call = await dial(h.machine, { amd: 'wait_for_beep' });
      expect(call.amd).toMatchObject({ result: 'machine', beep: true });
      const played = await call.play([{ prompt: 'goodbye' }], { timeoutMs: 10_000 });
      expect(played).toEqual({ ok: true });
    }, timeoutMs + 20_000);

    it('resolves canceled when the signal aborts during detection', async () => {
      const abort = new AbortController();
      const result = h.pbx.originate(req(h.machine, { amd: 'wait_for_beep' }), { timeoutMs: 40_000, signal: abort.signal });
      setTimeout(() => abort.abort(), h.abortAfterMs);
      const r = await result;
      if (r.ok) calls.push(r.call);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.end.outcome).toBe('canceled');
    }, timeoutMs);
  });
}
