import { digitPrompt } from '../../src/prompts/ids';
import { mediaFiles, SILENCE_PARTS, silenceParts } from '../../src/prompts/media';
import { codeAnnouncement, gateQuestion, groupDigits, PAUSES, sayDigits, voiceCallAudio } from '../../src/prompts/sequence';

const prompts = (items: ReturnType<typeof sayDigits>): string[] => items.flatMap((i) => ('prompt' in i ? [i.prompt] : []));
const pauses = (items: ReturnType<typeof sayDigits>): number[] => items.flatMap((i) => ('silenceMs' in i ? [i.silenceMs] : []));

describe('groupDigits', () => {
  it.each([
    ['4829', ['4829']],
    ['48291', ['48291']],
    ['482913', ['482', '913']],
    ['4829137', ['482', '9137']],
    ['48291375', ['4829', '1375']],
    ['482913750', ['482', '913', '750']],
    ['4829137501', ['482', '913', '7501']],
    ['48291375012', ['482', '9137', '5012']],
    ['48291375012345678901', ['482', '913', '750', '123', '4567', '8901']],
  ])('groups %s as %j', (code, groups) => {
    expect(groupDigits(code)).toEqual(groups);
  });

  it('never makes a group of one or two digits and keeps every digit in order, for 6 to 20 digits', () => {
    for (let n = 6; n <= 20; n++) {
      const code = Array.from({ length: n }, (_, i) => String((i * 7) % 10)).join('');
      const groups = groupDigits(code);
      expect(groups.join('')).toBe(code);
      for (const g of groups) expect(g.length === 3 || g.length === 4).toBe(true);
    }
  });
});

describe('sayDigits', () => {
  it('says a 4-digit code as one group, digit by digit with short pauses', () => {
    const items = sayDigits('4829');
    expect(prompts(items)).toEqual(['digit-4', 'digit-8', 'digit-2', 'digit-9']);
    expect(pauses(items)).toEqual([PAUSES.betweenDigits, PAUSES.betweenDigits, PAUSES.betweenDigits]);
  });

  it('says a 6-digit code as 3-3 with a longer pause between the groups', () => {
    const items = sayDigits('482913');
    expect(items).toEqual([
      { prompt: 'digit-4' }, { silenceMs: 240 }, { prompt: 'digit-8' }, { silenceMs: 240 }, { prompt: 'digit-2' },
      { silenceMs: 700 },
      { prompt: 'digit-9' }, { silenceMs: 240 }, { prompt: 'digit-1' }, { silenceMs: 240 }, { prompt: 'digit-3' },
    ]);
  });

  it('says a 10-digit code as 3-3-4', () => {
    const items = sayDigits('4829137501');
    expect(prompts(items)).toEqual([...'4829137501'].map(digitPrompt));
    expect(pauses(items).filter((p) => p === PAUSES.betweenGroups)).toHaveLength(2);
    expect(pauses(items)).toHaveLength(9);
  });

  it('says a 20-digit code in six groups, every digit once', () => {
    const code = '48291375012345678901';
    const items = sayDigits(code);
    expect(prompts(items)).toEqual([...code].map(digitPrompt));
    expect(pauses(items).filter((p) => p === PAUSES.betweenGroups)).toHaveLength(5);
  });

  it('refuses anything but 1 to 20 decimal digits', () => {
    for (const bad of ['', '12a4', '١٢٣٤', '123456789012345678901', '12 34']) expect(() => sayDigits(bad)).toThrow(RangeError);
  });
});

describe('codeAnnouncement', () => {
  it('says the intro, the code, "I repeat", the code again, and goodbye', () => {
    const items = codeAnnouncement('482913');
    expect(prompts(items)).toEqual([
      'your-code-is', ...[...'482913'].map(digitPrompt), 'i-repeat', ...[...'482913'].map(digitPrompt), 'goodbye',
    ]);
    expect(items[0]).toEqual({ silenceMs: PAUSES.leadIn });
  });

  it('leaves the callee time to bring the phone back to the ear after the gate key', () => {
    expect(codeAnnouncement('1234', { after: 'gate' })[0]).toEqual({ silenceMs: PAUSES.afterKey });
    expect(voiceCallAudio('1234', '7')).toEqual([...gateQuestion('7'), ...codeAnnouncement('1234', { after: 'gate' })]);
    expect(voiceCallAudio('1234')).toEqual(codeAnnouncement('1234'));
  });

  it.each([
    ['de', '4829'],
    ['ja', '482913'],
    ['pt-BR', '4829137501'],
    ['ar', '48291375012345678901'],
  ])('maps to the %s pack files and exact silence parts for a %s code', (lang, code) => {
    const files = mediaFiles(lang, voiceCallAudio(code, '3'));
    expect(files[0]).toEqual({ kind: 'silence', ms: 400, path: 'pbxverify/silence/400' });
    expect(files[2]).toEqual({ kind: 'prompt', lang, id: 'gate-press-3', path: `pbxverify/${lang}/gate-press-3` });
    const digits = files.filter((f) => f.kind === 'prompt' && f.id.startsWith('digit-'));
    expect(digits.map((f) => f.path)).toEqual([...code, ...code].map((d) => `pbxverify/${lang}/digit-${d}`));
  });
});

describe('pauses', () => {
  it('are each played as an exact sum of the installed silence parts', () => {
    for (const ms of Object.values(PAUSES)) {
      const parts = silenceParts(ms);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(ms);
      for (const p of parts) expect(SILENCE_PARTS).toContain(p);
    }
  });

  it('and every silence part are whole 20 ms RTP frames, which no PBX pads', () => {
    for (const ms of [...Object.values(PAUSES), ...SILENCE_PARTS]) expect(ms % 20).toBe(0);
    for (let ms = 20; ms <= 2000; ms += 20) expect(silenceParts(ms).reduce((a, b) => a + b, 0)).toBe(ms);
  });
});
