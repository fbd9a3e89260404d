import { configSchema } from '../../../src/config/schema';
import { flashPoolProblems } from '../../../src/app/inbound';
import { normaliseCaller } from '../../../src/inbound/caller-number';
import { attestationOf, verstatOf } from '../../../src/pbx/stir-shaken';
import { FlashCallerIds } from '../../../src/routing/flash-caller-ids';
import { FlashCodes } from '../../../src/routing/flash-codes';
import { compileTable, implicitTable } from '../../../src/routing/route-table';
import { Router } from '../../../src/routing/router';
import { MemoryStore } from '../../../src/store/memory/memory-store';
import { AppError } from '../../../src/lib/errors';
import { identityHeader } from '../../support/inbound-rig';

const BREAKER = { window: 10, minCalls: 5, minAsr: 0.1, maxConsecutiveFailures: 3, openMs: 60_000 };
const pool = (n: number, head = '+4420376910'): string[] => Array.from({ length: n }, (_, i) => `${head}${String(i).padStart(4, '0')}`);

describe('flash-call codes', () => {
  it('reads codes from the last digits of a pool, counting each distinct code once, with the shared prefix', () => {
    const codes = FlashCodes.ofPool(['+442037691001', '+442037691002', '+442037692002', '+442037691003']);
    expect(codes.capacity(3)).toBe(3);
    expect(codes.capacity(4)).toBe(4);
    expect(codes.prefix(3)).toBe('+44203769');
    const drawn = [...codes.candidates(3)];
    expect(drawn.map((c) => c.code).sort()).toEqual(['001', '002', '003']);
    for (const c of drawn) expect(c.callerId.endsWith(c.code)).toBe(true);
  });

  it('fills a range with the code in its last free digits and presents only numbers of the range', () => {
    const codes = FlashCodes.ofRange('+4420376900XXXX');
    expect(codes.capacity(4)).toBe(10_000);
    expect(codes.capacity(5)).toBe(0);
    expect(codes.prefix(3)).toBe('+44203769000');
    const [first] = [...codes.candidates(3, 1)];
    expect(first?.callerId).toMatch(/^\+44203769000[0-9]{3}$/);
    expect(first?.callerId.endsWith(first.code)).toBe(true);
    expect(codes.canPresent('+442037690012345'.slice(0, 15))).toBe(true);
    expect(codes.canPresent('+44203769111234')).toBe(false);
  });
});

describe('flash-call caller IDs', () => {
  const router = (numbers: string[]): Router => {
    const config = configSchema.parse({ trunks: [{ name: 'flash', callerIds: numbers }], routes: [{ match: { channels: ['flash_call'] }, trunks: ['flash'] }, { trunks: ['flash'] }] });
    return new Router(compileTable(config.trunks, config.routes, 60_000), BREAKER);
  };

  it('never gives two pending flash calls to one number the same caller ID, and gives it again once released', async () => {
    const store = new MemoryStore();
    const ids = new FlashCallerIds(router(pool(12)), store, { minCodes: 10, capMs: 5000, fallback: undefined });
    const to = '+447700900123';
    const taken = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const got = await ids.allocate(to, 4, `v${i}`, 60_000);
      expect(got).toBeDefined();
      taken.add(got!.callerId);
    }
    expect(taken.size).toBe(12);
    expect(await ids.allocate(to, 4, 'v12', 60_000)).toBeUndefined();
    // another number may use the same caller IDs
    expect(await ids.allocate('+447700900124', 4, 'w', 60_000)).toBeDefined();
    const first = [...taken][0]!;
    await ids.release(to, first, 'v0');
    await ids.release(to, first, 'someone-else');
    expect((await ids.allocate(to, 4, 'v13', 60_000))?.callerId).toBe(first);
    await store.close();
  });

  it('plans the prefix and refuses a code length the pool gives too few codes of', () => {
    const ids = new FlashCallerIds(router(pool(12)), new MemoryStore(), { minCodes: 12, capMs: 5000, fallback: undefined });
    expect(ids.plan('+447700900123', 4)).toEqual({ prefix: '+4420376910' });
    // one digit: only 10 distinct codes in the pool
    expect(() => ids.plan('+447700900123', 1)).toThrow(AppError);
    const implicit = new FlashCallerIds(new Router(implicitTable(undefined), BREAKER), new MemoryStore(), { minCodes: 10, capMs: 5000, fallback: undefined });
    expect(() => implicit.plan('+447700900123', 4)).toThrow(expect.objectContaining({ code: 'NO_ROUTE' }));
  });

  it('serves flash calls only on routes that name the channel', () => {
    const config = configSchema.parse({ trunks: [{ name: 'a', callerIds: ['+442037691880'] }], routes: [{ trunks: ['a'] }] });
    const r = new Router(compileTable(config.trunks, config.routes, 60_000), BREAKER);
    expect(r.decide('+447700900123', 'call')).toBeDefined();
    expect(r.decide('+447700900123', 'flash_call')).toBeUndefined();
  });

  it('makes a too-small pool a configuration error at start', () => {
    const config = configSchema.parse({
      pbx: ['esl://:pw@127.0.0.1:8021'],
      trunks: [{ name: 'flash', callerIds: pool(5) }],
      routes: [{ match: { channels: ['flash_call'] }, trunks: ['flash'] }],
    });
    const r = new Router(compileTable(config.trunks, config.routes, 60_000), BREAKER);
    expect(flashPoolProblems(config, r)).toEqual(['route "routes.0" (trunk "flash") gives 5 codes of 4 digits; flashCall.minCodes is 10']);
    const ranged = configSchema.parse({ pbx: ['esl://:pw@127.0.0.1:8021'], flashCall: { callerIdRange: '+44203769XXX', codeLength: 4 } });
    expect(flashPoolProblems(ranged, new Router(implicitTable(undefined), BREAKER))).toHaveLength(1);
  });
});

describe('caller numbers of inbound calls', () => {
  it.each([
    ['+12025550114', 'US', '+12025550114'],
    ['(202) 555-0114', 'US', '+12025550114'],
    ['12025550114', 'US', '+12025550114'],
    ['01112025550114', 'US', '+12025550114'],
    ['07911123456', 'GB', '+447911123456'],
    ['00447911123456', 'GB', '+447911123456'],
    ['447911123456', 'GB', '+447911123456'],
    ['447911123456', 'US', '+447911123456'],
  ])('reads %s (DID in %s) as %s', (raw, country, e164) => {
    expect(normaliseCaller(raw, country)).toBe(e164);
  });

  it.each([['anonymous'], ['sipp'], ['+1202555011a'], ['+12025550114;tag=abc'], ['+' + '1'.repeat(40)], ['+١٢٠٢٥٥٥٠١١٤'], ['１２０２５５５０１１４'], [''], ['12345']])(
    'refuses %s',
    (raw) => {
      expect(normaliseCaller(raw, 'US')).toBeUndefined();
    },
  );
});

describe('STIR/SHAKEN attestation', () => {
  it('takes the level from verstat or the Identity claim when the verification passed, and reports a failure', () => {
    expect(attestationOf(identityHeader({ attest: 'A' }), 'TN-Validation-Passed')).toBe('A');
    expect(attestationOf(identityHeader({ attest: 'C' }), undefined)).toBe('C');
    expect(attestationOf(undefined, 'TN-Validation-Passed-B')).toBe('B');
    expect(attestationOf(identityHeader({ attest: 'A' }), 'TN-Validation-Failed')).toBe('failed');
    expect(attestationOf(identityHeader({ attest: 'A' }), 'No-TN-Validation')).toBeUndefined();
    expect(attestationOf('garbage', undefined)).toBeUndefined();
    expect(verstatOf('<sip:+12025550114@host;user=phone;verstat=TN-Validation-Passed>')).toBe('TN-Validation-Passed');
  });
});
