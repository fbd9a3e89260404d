import { join } from 'node:path';
import pino from 'pino';
import { configSchema } from '../../src/config/schema';
import { systemClock } from '../../src/lib/clock';
import { buildPbx } from '../../src/main';
import { PromptCatalog } from '../../src/prompts/catalog';

const deps = { clock: systemClock, logger: pino({ level: 'silent' }), catalog: new PromptCatalog(join(__dirname, '../../sounds')) };

describe('configuring the FreeSWITCH driver', () => {
  it('has defaults for every driver setting', () => {
    expect(configSchema.parse({}).freeswitch).toEqual({
      dialString: 'sofia/gateway/{trunk}/{number}',
      soundsDir: '/usr/share/freeswitch/sounds',
      commandTimeoutMs: 5000,
      connectTimeoutMs: 10000,
      reconnectMaxDelayMs: 10000,
      keepaliveMs: 15000,
    });
  });

  it.each([
    ['a dial string without the number', { dialString: 'sofia/gateway/x/1234' }],
    ['a dial string with spaces', { dialString: 'sofia/gateway/x/{number} &echo()' }],
    ['a relative sounds directory', { soundsDir: 'sounds' }],
    ['a sounds directory with spaces', { soundsDir: '/my sounds' }],
    ['a zero command deadline', { commandTimeoutMs: 0 }],
  ])('refuses %s', (_, freeswitch) => {
    expect(configSchema.safeParse({ freeswitch }).success).toBe(false);
  });

  it('builds the driver for one esl:// URL (behind the dialer)', () => {
    const config = configSchema.parse({ pbx: ['esl://:secret@127.0.0.1:8021'], calls: { trunk: 'carrier' } });
    const pbx = buildPbx(config, deps);
    expect(pbx.kind).toBe('freeswitch-esl');
    expect(pbx.members.map((m) => m.kind)).toEqual(['freeswitch-esl']);
    expect(pbx.health()).toEqual({ ready: false, detail: 'not started' });
  });

  it('puts several FreeSWITCH nodes behind the dialer, one driver each', () => {
    const config = configSchema.parse({ pbx: ['esl://:a@10.0.0.1:8021', 'esl://:b@10.0.0.2:8021'], calls: { trunk: 'carrier' } });
    const pbx = buildPbx(config, deps);
    expect(pbx.members).toHaveLength(2);
    expect(pbx.members.every((m) => m.kind === 'freeswitch-esl')).toBe(true);
    expect(pbx.health().detail).not.toMatch(/:a@|:b@/);
  });

  it('refuses a {trunk} dial string without calls.trunk', () => {
    const config = configSchema.parse({ pbx: ['esl://:secret@127.0.0.1:8021'] });
    expect(() => buildPbx(config, deps)).toThrow(/set calls.trunk/);
  });

  it('accepts a dial string without a trunk', () => {
    const config = configSchema.parse({ pbx: ['esl://:secret@127.0.0.1'], freeswitch: { dialString: 'sofia/external/{number}@sip.example.net' } });
    expect(buildPbx(config, deps).kind).toBe('freeswitch-esl');
  });

  it('reports a bad URL clearly', () => {
    const config = configSchema.parse({ pbx: ['esl://127.0.0.1:8021'], calls: { trunk: 'carrier' } });
    expect(() => buildPbx(config, deps)).toThrow(/needs a password/);
  });
});
