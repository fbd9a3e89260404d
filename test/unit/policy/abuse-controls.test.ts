import pino from 'pino';
import { abuseSchema, type AbuseConfig } from '../../../src/config/abuse-schema';
import { apiKeySchema, type ApiKeyConfig, type ChannelName } from '../../../src/config/schema';
import { MemoryStore } from '../../../src/store/memory/memory-store';
import { AppError } from '../../../src/lib/errors';
import { parseE164 } from '../../../src/verification/numbers';
import { AbuseControls, type Admitted } from '../../../src/verification/policy/admission';

const T0 = 1_800_000_000_000 - (1_800_000_000_000 % 86_400_000); // a window boundary
const key = (over: Partial<ApiKeyConfig> = {}): ApiKeyConfig => apiKeySchema.parse({ id: 'k1', secret: 'secret-0123456789abcdef', ...over });
const config = (over: Record<string, unknown> = {}): AbuseConfig => abuseSchema.parse(over);

/** The real memory store as the counter port: counts exactly as the engine's does. */
function controls(over: Record<string, unknown> = {}, dnc: string[] = []) {
  const store = new MemoryStore();
  const guard = new AbuseControls({ counters: store, config: config(over), onDoNotCallList: (n) => dnc.includes(n), logger: pino({ level: 'silent' }) });
  let last: Admitted | undefined;
  const admit = async (to: string, opts: { channels?: ChannelName[]; key?: ApiKeyConfig; at?: number } = {}): Promise<string> => {
    try {
      last = await guard.admit({ key: opts.key ?? key(), number: parseE164(to), channels: new Set(opts.channels ?? ['call']), now: opts.at ?? T0 });
      return 'ok';
    } catch (err) {
      if (err instanceof AppError) return err.code === 'QUOTA_EXCEEDED' ? `${err.code}/${String(err.details?.window)}` : err.code;
      throw err;
    }
  };
  /** Gives back the last admitted start's reservation (the service could not place it). */
  const releaseLast = async (): Promise<void> => last?.release();
  return { admit, releaseLast, close: () => store.close() };
}

describe('abuse controls', () => {
  it('allows one verification per number per minute and five per ten minutes', async () => {
    const c = controls();
    const to = '+12025550200';
    expect(await c.admit(to)).toBe('ok');
    expect(await c.admit(to, { at: T0 + 59_000 })).toBe('NUMBER_FLOOD');
    const later = [60_000, 120_000, 180_000, 240_000].map((ms) => c.admit(to, { at: T0 + ms }));
    expect(await Promise.all(later)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(await c.admit(to, { at: T0 + 300_000 })).toBe('NUMBER_FLOOD');
    expect(await c.admit(to, { at: T0 + 600_000 })).toBe('ok');
    expect(await c.admit('+12025550201', { at: T0 + 59_000 })).toBe('ok');
    await c.close();
  });

  it('exempts the NANP fiction range (555-0100…0199) from flood and velocity limits by default', async () => {
    const c = controls();
    for (let i = 0; i < 8; i++) expect(await c.admit('+12025550142')).toBe('ok');
    const none = controls({ exemptNumbers: [] });
    expect(await none.admit('+12025550142')).toBe('ok');
    expect(await none.admit('+12025550142')).toBe('NUMBER_FLOOD');
    await c.close();
    await none.close();
  });

  it('refuses the do-not-call list, premium-rate, shared-cost and non-geographic numbers before counting', async () => {
    const c = controls({}, ['+442037691881']);
    expect(await c.admit('+442037691881')).toBe('NUMBER_DO_NOT_CALL');
    expect(await c.admit('+19005551234')).toBe('NUMBER_TYPE_NOT_ALLOWED');
    expect(await c.admit('+33810123456', { channels: ['sms'] })).toBe('NUMBER_TYPE_NOT_ALLOWED');
    expect(await c.admit('+881612345678')).toBe('COUNTRY_NOT_ALLOWED');
    // nothing above was counted: the number's first real request passes the flood limit
    expect(await c.admit('+19005551234')).toBe('NUMBER_TYPE_NOT_ALLOWED');
    const allowPremium = controls({ refuseNumberTypes: [] });
    expect(await allowPremium.admit('+19005551234')).toBe('ok');
    await c.close();
    await allowPremium.close();
  });

  it('keeps separate country and area-code lists for voice and SMS', async () => {
    const c = controls({
      voice: { denyCountries: ['FR'], denyPrefixes: ['+1206555'] },
      sms: { allowCountries: ['US', 'FR'], allowPrefixes: ['+1206', '+33'] },
    });
    expect(await c.admit('+33612345678', { channels: ['call'] })).toBe('COUNTRY_NOT_ALLOWED');
    expect(await c.admit('+33612345678', { channels: ['sms'] })).toBe('ok');
    expect(await c.admit('+33612345679', { channels: ['sms', 'call'] })).toBe('COUNTRY_NOT_ALLOWED');
    expect(await c.admit('+4915112345678', { channels: ['sms'] })).toBe('COUNTRY_NOT_ALLOWED');
    expect(await c.admit('+4915112345678', { channels: ['reverse'] })).toBe('ok');
    expect(await c.admit('+12065550123', { channels: ['reverse'] })).toBe('AREA_CODE_NOT_ALLOWED');
    expect(await c.admit('+12065550123', { channels: ['sms'] })).toBe('ok');
    expect(await c.admit('+12025550200', { channels: ['sms'] })).toBe('AREA_CODE_NOT_ALLOWED');
    await c.close();
  });

  it('refuses the eleventh different number of one range within ten minutes, and repeats of it', async () => {
    const c = controls({ velocity: { maxNumbers: 10 } });
    const numbers = Array.from({ length: 12 }, (_, i) => `+1202555${String(3000 + i)}`);
    const results = [];
    for (const n of numbers) results.push(await c.admit(n, { channels: ['sms'], at: T0 + 61_000 }));
    expect(results).toEqual([...Array(10).fill('ok'), 'RANGE_VELOCITY', 'RANGE_VELOCITY']);
    // a number of the tripped range already counted is refused too, other ranges are not
    expect(await c.admit(numbers[0] as string, { channels: ['sms'], at: T0 + 130_000 })).toBe('RANGE_VELOCITY');
    expect(await c.admit('+12065553000', { channels: ['sms'], at: T0 + 130_000 })).toBe('ok');
    // the next window starts afresh
    expect(await c.admit(numbers[11] as string, { channels: ['sms'], at: T0 + 600_000 })).toBe('ok');
    await c.close();
  });

  it('trips the call breaker above the engine-wide rate and keeps it open for openSeconds, SMS unaffected', async () => {
    const c = controls({ breaker: { callsPerMinute: 3, openSeconds: 120 } });
    const tos = ['+12025551001', '+12025551002', '+12025551003', '+12025551004', '+12025551005'];
    const results = [];
    // one key may place one call a minute here (half of three): four keys together trip the breaker
    for (const [i, to] of tos.entries()) results.push(await c.admit(to, { at: T0 + 1000, key: key({ id: `k${i}` }) }));
    expect(results).toEqual(['ok', 'ok', 'ok', 'CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(await c.admit('+12025551006', { channels: ['sms'], at: T0 + 2000 })).toBe('ok');
    expect(await c.admit('+12025551007', { at: T0 + 100_000 })).toBe('CIRCUIT_OPEN');
    expect(await c.admit('+12025551008', { at: T0 + 122_000 })).toBe('ok');
    await c.close();
  });

  it("counts each key's quota last, per hour and per day, with a key's own quota overriding", async () => {
    const c = controls({ keyQuota: { perHour: 2, perDay: 3 } });
    const k = key();
    expect(await c.admit('+12025551101', { key: k })).toBe('ok');
    expect(await c.admit('+12025551102', { key: k })).toBe('ok');
    expect(await c.admit('+12025551103', { key: k, channels: ['sms'] })).toBe('QUOTA_EXCEEDED/hour');
    expect(await c.admit('+12025551104', { key: k, at: T0 + 3_600_000 })).toBe('ok');
    expect(await c.admit('+12025551105', { key: k, at: T0 + 7_200_000, channels: ['sms'] })).toBe('QUOTA_EXCEEDED/day');
    // a refusal by an earlier control does not use up the quota
    const other = key({ id: 'k2' });
    expect(await c.admit('+19005551234', { key: other })).toBe('NUMBER_TYPE_NOT_ALLOWED');
    expect(await c.admit('+12025551106', { key: other })).toBe('ok');
    const unlimited = key({ id: 'k3', quota: { perHour: null, perDay: null } });
    for (let i = 0; i < 5; i++) expect(await c.admit(`+1202555120${i}`, { key: unlimited, channels: ['sms'] })).toBe('ok');
    await c.close();
  });

  it('counts only admitted starts toward the breaker: quota refusals give their place back', async () => {
    const c = controls({ breaker: { callsPerMinute: 4, perKeyShare: 1 } });
    const tiny = key({ id: 'tiny', quota: { perHour: 1 } });
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await c.admit(`+120255501${String(i).padStart(2, '0')}`, { key: tiny }));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'QUOTA_EXCEEDED/hour')).toHaveLength(29);
    // three more calls fit under the rate of four: the refused ones were never counted
    for (let i = 0; i < 3; i++) expect(await c.admit(`+13125550${140 + i}`, { key: key({ id: `other${i}` }) })).toBe('ok');
    expect(await c.admit('+13125550150', { key: key({ id: 'fifth' }) })).toBe('CIRCUIT_OPEN');
    await c.close();
  });

  it('gives back the reservation of a start that was not placed (quota and call rate)', async () => {
    const c = controls({ keyQuota: { perHour: 1 }, breaker: { callsPerMinute: 2, perKeyShare: 1 } });
    for (let i = 0; i < 5; i++) {
      expect(await c.admit('+12025550150')).toBe('ok');
      await c.releaseLast();
    }
    expect(await c.admit('+12025550151')).toBe('ok');
    expect(await c.admit('+12025550152')).toBe('QUOTA_EXCEEDED/hour');
    await c.close();
  });

  it("holds each key to its share of the call rate before the engine-wide breaker counts it", async () => {
    const c = controls({ breaker: { callsPerMinute: 10, perKeyShare: 0.3 } });
    const hog = key({ id: 'hog' });
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await c.admit(`+120655501${String(i).padStart(2, '0')}`, { key: hog }));
    expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(new Set(results.slice(3))).toEqual(new Set(['QUOTA_EXCEEDED/minute']));
    expect(await c.admit('+12025550170', { key: key({ id: 'victim' }) })).toBe('ok');
    // SMS are not calls: the share does not apply to them
    expect(await c.admit('+12025550171', { key: hog, channels: ['sms'] })).toBe('ok');
    // a new minute, a new share
    expect(await c.admit('+12025550172', { key: hog, at: T0 + 60_000 })).toBe('ok');
    await c.close();
  });
});
