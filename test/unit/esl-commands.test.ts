import { codeAnnouncement } from '../../src/prompts/sequence';
import {
  chatCommand,
  checkDialTemplate,
  CommandInputError,
  mediaList,
  playbackSegments,
  originateCommand,
  playAndGetDigitsArg,
  renderChatTo,
  renderDialString,
} from '../../src/pbx/freeswitch-esl/commands';

const UUID = '0f0e0d0c-0b0a-4908-8706-050403020100';

describe('ESL command text', () => {
  describe('dial strings', () => {
    it('renders the default gateway template', () => {
      expect(renderDialString('sofia/gateway/{trunk}/{number}', { number: '+442037691880', trunk: 'carrier-1' })).toBe('sofia/gateway/carrier-1/+442037691880');
      expect(renderDialString('sofia/gateway/{trunk}/00{digits}', { number: '+442037691880', trunk: 'x' })).toBe('sofia/gateway/x/00442037691880');
    });

    it.each([
      ['a number with a space', '+44 2037691880'],
      ['a number with a comma (a second dial string)', '+442037691880,loopback/9999'],
      ['a number with braces (channel variables)', '{x=1}+442037691880'],
      ['a number with a newline (a second ESL command)', '+442037691880\napi shutdown'],
      ['a number without +', '442037691880'],
      ['a too long number', '+1234567890123456'],
    ])('refuses %s', (_, number) => {
      expect(() => renderDialString('sofia/gateway/{trunk}/{number}', { number, trunk: 'x' })).toThrow(CommandInputError);
    });

    it('refuses a trunk that would change the dial string', () => {
      expect(() => renderDialString('sofia/gateway/{trunk}/{number}', { number: '+442037691880', trunk: 'a b' })).toThrow(CommandInputError);
      expect(() => renderDialString('sofia/gateway/{trunk}/{number}', { number: '+442037691880' })).toThrow(/needs a trunk/);
    });

    it('checks templates from the configuration', () => {
      expect(checkDialTemplate('sofia/gateway/{trunk}/{number}')).toBeUndefined();
      expect(checkDialTemplate('loopback/{number}/qa')).toBeUndefined();
      expect(checkDialTemplate('sofia/gateway/x/1234')).toMatch(/must contain/);
      expect(checkDialTemplate('{absolute_codec_string=PCMU}sofia/gateway/x/{number}')).toMatch(/only/);
      expect(checkDialTemplate('sofia/gateway/x/{number} &echo')).toMatch(/may only contain/);
    });
  });

  describe('originate', () => {
    it('parks the answered call and sets what the driver relies on', () => {
      expect(originateCommand({ uuid: UUID, dial: 'sofia/gateway/x/+442037691880', callerId: '+442000000000', ringTimeoutMs: 30_000 })).toBe(
        `originate {origination_uuid=${UUID},origination_caller_id_number=+442000000000,originate_timeout=30,ignore_early_media=true,playback_terminators=none}sofia/gateway/x/+442037691880 &park()`,
      );
    });

    it('rounds the ring timeout up to whole seconds (originate_timeout counts seconds)', () => {
      expect(originateCommand({ uuid: UUID, dial: 'loopback/x/qa', ringTimeoutMs: 2500 })).toContain('originate_timeout=3,');
      expect(originateCommand({ uuid: UUID, dial: 'loopback/x/qa', ringTimeoutMs: 100 })).toContain('originate_timeout=1,');
    });

    it('plays a greeting from the originate itself: each segment from a channel variable, its Event-UUID set first, then park', () => {
      const ids = [UUID.replace(/.$/, 'a'), UUID.replace(/.$/, 'b')];
      const greeting = [
        { arg: 'silence_stream://240', id: ids[0] as string },
        { arg: '/snd/a.wav', id: ids[1] as string },
      ];
      expect(originateCommand({ uuid: UUID, dial: 'loopback/x/qa', ringTimeoutMs: 1000, greeting })).toBe(
        `originate {origination_uuid=${UUID},originate_timeout=1,ignore_early_media=true,playback_terminators=none,app_uuid=${ids[0]},pbxverify_g0=silence_stream://240,pbxverify_g1=/snd/a.wav}loopback/x/qa 'playback:\${pbxverify_g0},set:app_uuid=${ids[1]},playback:\${pbxverify_g1},park:' inline`,
      );
    });

    it('refuses a greeting segment that could escape its variable or the inline dialplan', () => {
      for (const segment of ['/snd/a.wav,hangup', "/snd/a'.wav", '/snd/a}.wav', '/snd/a b.wav', '${x}']) {
        expect(() => originateCommand({ uuid: UUID, dial: 'loopback/x/qa', ringTimeoutMs: 1000, greeting: [{ arg: segment, id: UUID }] })).toThrow(CommandInputError);
      }
      expect(() => originateCommand({ uuid: UUID, dial: 'loopback/x/qa', ringTimeoutMs: 1000, greeting: [{ arg: '/snd/a.wav', id: 'not-a-uuid' }] })).toThrow(CommandInputError);
      expect(() => originateCommand({ uuid: UUID, dial: 'loopback/x/qa', ringTimeoutMs: 1000, greeting: [] })).toThrow(CommandInputError);
    });

    it('refuses a caller ID that is not a number', () => {
      expect(() => originateCommand({ uuid: UUID, dial: 'loopback/x/qa', callerId: '123,hangup_after_bridge=true', ringTimeoutMs: 1000 })).toThrow(CommandInputError);
      expect(() => originateCommand({ uuid: 'not-a-uuid', dial: 'loopback/x/qa', ringTimeoutMs: 1000 })).toThrow(CommandInputError);
    });
  });

  describe('media', () => {
    it('plays prompts from the pack directory and silences as silence_stream', () => {
      expect(mediaList([{ prompt: 'your-code-is' }], 'en', '/usr/share/freeswitch/sounds')).toBe('/usr/share/freeswitch/sounds/pbxverify/en/your-code-is.wav');
      expect(mediaList([{ prompt: 'digit-4' }, { silenceMs: 250 }, { prompt: 'digit-2' }], 'pt-BR', '/snd/')).toBe(
        'file_string:///snd/pbxverify/pt-BR/digit-4.wav!silence_stream://250!/snd/pbxverify/pt-BR/digit-2.wav',
      );
    });

    it('queues the items before the first pause of 250 ms or more one by one, and keeps file_string from that pause on', () => {
      const snd = (p: string): string => `/snd/pbxverify/en/${p}.wav`;
      // lead-in 500: a long opening pause is a segment of its own too (one file_string started a frame late in half the calls)
      const rest = `file_string://silence_stream://150!${snd('digit-7')}!silence_stream://900!${snd('i-repeat')}!silence_stream://400!${snd('digit-7')}!silence_stream://700!${snd('goodbye')}`;
      expect(playbackSegments(codeAnnouncement('7', { leadInMs: 500 }), 'en', '/snd')).toEqual(['silence_stream://500', snd('your-code-is'), rest]);
      expect(playbackSegments([{ silenceMs: 300 }, { silenceMs: 400 }, { prompt: 'goodbye' }], 'en', '/snd')).toEqual(['silence_stream://300', `file_string://silence_stream://150!${snd('goodbye')}`]);
      // lead-in 240: the pause and "your code is" queued, the rest from the 400 ms pause on (150 + 250)
      expect(playbackSegments(codeAnnouncement('7', { leadInMs: 240 }), 'en', '/snd')).toEqual([
        'silence_stream://240',
        snd('your-code-is'),
        `file_string://silence_stream://150!${snd('digit-7')}!silence_stream://900!${snd('i-repeat')}!silence_stream://400!${snd('digit-7')}!silence_stream://700!${snd('goodbye')}`,
      ]);
      // no lead-in: the first file plays at once
      expect(playbackSegments(codeAnnouncement('7', { leadInMs: 0 }), 'en', '/snd')[0]).toBe(snd('your-code-is'));
      // no long pause at all: every item on its own; a single item as it is
      expect(playbackSegments([{ prompt: 'digit-4' }, { silenceMs: 240 }, { prompt: 'digit-2' }], 'en', '/snd')).toEqual([snd('digit-4'), 'silence_stream://240', snd('digit-2')]);
      expect(playbackSegments([{ prompt: 'goodbye' }], 'en', '/snd')).toEqual([snd('goodbye')]);
      expect(() => playbackSegments([], 'en', '/snd')).toThrow(CommandInputError);
      expect(() => playbackSegments([{ prompt: 'x' }, { prompt: '../y' }], 'en', '/snd')).toThrow(CommandInputError);
    });

    it('refuses what would break the argument', () => {
      expect(() => mediaList([{ prompt: '../../etc/passwd' }], 'en', '/snd')).toThrow(CommandInputError);
      expect(() => mediaList([{ prompt: 'x' }], 'en us', '/snd')).toThrow(CommandInputError);
      expect(() => mediaList([{ silenceMs: 0 }], 'en', '/snd')).toThrow(CommandInputError);
      expect(() => mediaList([], 'en', '/snd')).toThrow(CommandInputError);
      expect(() => mediaList([{ prompt: 'x' }], 'en', '/my sounds')).toThrow(CommandInputError);
    });
  });

  describe('play_and_get_digits', () => {
    it('builds the ten arguments', () => {
      expect(playAndGetDigitsArg({ maxDigits: 20, terminator: '#', firstDigitTimeoutMs: 10_000, interDigitTimeoutMs: 5000, prompt: '/snd/x.wav', variable: 'pbxverify_digits' })).toBe(
        '1 20 1 10000 # /snd/x.wav silence_stream://10 pbxverify_digits .+ 5000',
      );
    });

    it('refuses out-of-range values', () => {
      const ok = { maxDigits: 4, terminator: '#', firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000, variable: 'v' };
      expect(() => playAndGetDigitsArg({ ...ok, maxDigits: 128 })).toThrow(CommandInputError);
      expect(() => playAndGetDigitsArg({ ...ok, terminator: '# ' })).toThrow(CommandInputError);
      expect(() => playAndGetDigitsArg({ ...ok, firstDigitTimeoutMs: 1.5 })).toThrow(CommandInputError);
    });
  });

  describe('chat', () => {
    it('sends a one-line body as text/plain', () => {
      const to = renderChatTo('qa/sip:{number}@127.0.0.1:5090', { number: '+12025550100' });
      expect(chatCommand({ to, from: 'pbxverify', body: 'Your code is 1234' })).toBe('chat sip|pbxverify|qa/sip:+12025550100@127.0.0.1:5090|Your code is 1234|text/plain');
    });

    it.each([
      ['a | in the body (the chat API splits on it)', { body: 'a|b' }],
      ['a newline in the body (a new ESL command)', { body: 'a\napi shutdown' }],
      ['a sender with a |', { from: 'x|y' }],
      ['an empty body', { body: '' }],
    ])('refuses %s', (_, bad) => {
      expect(() => chatCommand({ to: 'qa/sip:+1@h', from: 'pbxverify', body: 'ok', ...bad })).toThrow(CommandInputError);
    });
  });
});
