import pino from 'pino';
import { configSchema } from '../../../src/config/schema';
import { buildPbx } from '../../../src/main';
import { parseAriUrl, stasisAppName } from '../../../src/pbx/asterisk-ari/ari-url';
import { checkedCallerId, checkedSender, fillTemplate } from '../../../src/pbx/asterisk-ari/dial-string';
import { mediaFor } from '../../../src/pbx/asterisk-ari/media';
import { outcomeForCause, outcomeForSip } from '../../../src/pbx/asterisk-ari/outcome';
import { parseEvent } from '../../../src/pbx/asterisk-ari/wire';
import { systemClock } from '../../../src/lib/clock';
import { PromptCatalog } from '../../../src/prompts/catalog';
import { AppError } from '../../../src/lib/errors';

describe('ari:// URLs', () => {
  it('parses user, password, host, port and app', () => {
    expect(parseAriUrl('ari://pbx%20user:p%40ss@10.0.0.5:8088/verify')).toEqual({
      baseUrl: 'http://10.0.0.5:8088',
      user: 'pbx user',
      password: 'p@ss',
      app: 'verify',
    });
  });

  it('defaults the port to 8088 and the app to pbxverify; aris:// means https', () => {
    expect(parseAriUrl('aris://u:p@pbx.example')).toMatchObject({ baseUrl: 'https://pbx.example:8088', app: 'pbxverify' });
  });

  it('refuses URLs without credentials or with a bad app name, without echoing the password', () => {
    expect(() => parseAriUrl('ari://host:8088/app')).toThrow(/needs a user and a password/);
    expect(() => parseAriUrl('ari://u:topsecret@host/bad%20app')).toThrow(/app name/);
    try {
      parseAriUrl('ari://u:topsecret@host/bad%20app');
    } catch (err) {
      expect((err as Error).message).not.toContain('topsecret');
    }
  });

  it('derives a distinct Stasis app per engine instance', () => {
    expect(stasisAppName('pbxverify', 'node1')).toBe('pbxverify-node1');
    expect(stasisAppName('pbxverify')).not.toBe(stasisAppName('pbxverify'));
    expect(() => stasisAppName('pbxverify', 'bad suffix')).toThrow(RangeError);
  });
});

describe('dial strings', () => {
  it('fills {number}, {digits} and {trunk}', () => {
    expect(fillTemplate('PJSIP/{number}@{trunk}', { number: '+442037691880', trunk: 'carrier-1' })).toBe('PJSIP/+442037691880@carrier-1');
    expect(fillTemplate('PJSIP/00{digits}@x', { number: '+442037691880' })).toBe('PJSIP/00442037691880@x');
  });

  it('refuses anything that is not E.164 with NUMBER_NOT_E164, before it reaches a dial string', () => {
    for (const bad of ['442037691880', '+44 20', '+4420&Dial(x)', '+1234567890123456', '+1/2@evil']) {
      expect(() => fillTemplate('Local/{number}@qa', { number: bad })).toThrow(AppError);
    }
    try {
      fillTemplate('Local/{number}@qa', { number: '+1@x' });
    } catch (err) {
      expect((err as AppError).code).toBe('NUMBER_NOT_E164');
    }
  });

  it('refuses a missing or malformed trunk when the template needs one', () => {
    expect(() => fillTemplate('PJSIP/{number}@{trunk}', { number: '+442037691880' })).toThrow(/needs a trunk/);
    expect(() => fillTemplate('PJSIP/{number}@{trunk}', { number: '+442037691880', trunk: 'a/b' })).toThrow(/trunk name/);
  });

  it('accepts phone-number caller IDs and sender IDs only', () => {
    expect(checkedCallerId('+15550001111')).toBe('+15550001111');
    expect(checkedCallerId(undefined)).toBeUndefined();
    expect(() => checkedCallerId('Evil <1>')).toThrow(AppError);
    expect(checkedSender('pbxverify')).toBe('pbxverify');
    expect(() => checkedSender('x&body=hack')).toThrow(AppError);
  });
});

describe('media URIs', () => {
  it('plays prompts from the pack and pauses as the installed silence parts', () => {
    expect(mediaFor([{ prompt: 'digit-4' }, { silenceMs: 460 }, { prompt: 'goodbye' }], 'de')).toEqual([
      'sound:pbxverify/de/digit-4',
      'sound:pbxverify/silence/400',
      'sound:pbxverify/silence/40',
      'sound:pbxverify/silence/20',
      'sound:pbxverify/de/goodbye',
    ]);
  });

  it('refuses a language or prompt id that could escape the sounds folder', () => {
    expect(() => mediaFor([{ prompt: '../../etc/passwd' }], 'en')).toThrow(RangeError);
    expect(() => mediaFor([{ prompt: 'digit-1' }], 'en,sound:x')).toThrow(RangeError);
  });
});

describe('cause tables', () => {
  it('maps Q.850 causes seen in the recordings', () => {
    expect(outcomeForCause(17)).toBe('busy');
    expect(outcomeForCause(19)).toBe('no-answer');
    expect(outcomeForCause(21)).toBe('rejected');
    expect(outcomeForCause(16)).toBe('rejected');
    expect(outcomeForCause(1)).toBe('unreachable');
    expect(outcomeForCause(34)).toBe('congestion');
    expect(outcomeForCause(0)).toBeUndefined();
  });

  it('maps SIP statuses from tech_cause', () => {
    expect(outcomeForSip(486)).toBe('busy');
    expect(outcomeForSip(480)).toBe('no-answer');
    expect(outcomeForSip(603)).toBe('rejected');
    expect(outcomeForSip(404)).toBe('unreachable');
    expect(outcomeForSip(503)).toBe('congestion');
    expect(outcomeForSip(200)).toBeUndefined();
  });
});

describe('event frames', () => {
  it('keeps unknown event types and malformed frames as values instead of throwing', () => {
    expect(parseEvent('not json')).toBeUndefined();
    expect(parseEvent('{"no":"type"}')).toBeUndefined();
    expect(parseEvent('{"type":"BrandNewEvent","x":1}')).toEqual({ type: 'Other', raw: { type: 'BrandNewEvent', x: 1 } });
    expect(parseEvent('{"type":"StasisStart"}')).toMatchObject({ type: 'Other' });
    expect(parseEvent('{"type":"ChannelDtmfReceived","digit":"5","channel":{"id":"c","state":"Up","name":"n"}}')).toMatchObject({ type: 'ChannelDtmfReceived', digit: '5' });
  });
});

describe('buildPbx with ari:// URLs', () => {
  const deps = { clock: systemClock, logger: pino({ level: 'silent' }), catalog: new PromptCatalog('/nonexistent') };

  it('builds the ARI driver with an instance-unique app name, behind the dialer', () => {
    const config = configSchema.parse({ pbx: ['ari://u:p@127.0.0.1:8088/verify'], asterisk: { instanceSuffix: 'n1' } });
    const pbx = buildPbx(config, deps);
    expect(pbx.kind).toBe('asterisk-ari');
    expect(pbx.members).toHaveLength(1);
    expect((pbx.members[0] as unknown as { appName: string }).appName).toBe('verify-n1');
  });

  it('makes one ARI node per Asterisk URL, spread over by the dialer', () => {
    const config = configSchema.parse({ pbx: ['ari://u:p@10.0.0.1:8088/a', 'ari://u:p@10.0.0.2:8088/a'] });
    const pbx = buildPbx(config, deps);
    expect(pbx.members.map((m) => m.kind)).toEqual(['asterisk-ari', 'asterisk-ari']);
    expect(pbx.health().detail).toMatch(/0\/2 nodes up; ari:\/\/10\.0\.0\.1:8088: not started; ari:\/\/10\.0\.0\.2:8088: not started/);
    expect(pbx.health().detail).not.toMatch(/u:p/);
  });

  it('refuses a template without a number placeholder in the config schema', () => {
    expect(configSchema.safeParse({ asterisk: { endpointTemplate: 'PJSIP/fixed@trunk' } }).success).toBe(false);
  });
});
