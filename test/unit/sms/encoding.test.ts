import { GSM_BASIC_SIZE, chooseEncoding, decodeGsm7, decodeUcs2, encodeGsm7, encodeUcs2, fitsGsm7, gsmSeptets } from '../../../src/sms/encoding';
import { planSms } from '../../../src/sms/segment';
import { renderSmsText } from '../../../src/sms/template';
import { senderKind, senderTonNpi } from '../../../src/sms/sender';

const plan = (text: string, concat: 'udh8' | 'udh16' | 'payload' = 'udh8', keepTogether: Array<[number, number]> = []) =>
  planSms(text, { concat, ref: 0x42, keepTogether });

describe('GSM 03.38 alphabet', () => {
  it('has 128 codes in the default table', () => {
    expect(GSM_BASIC_SIZE).toBe(128);
  });

  it('encodes the extension characters €[]{}^~|\\ as ESC + code, two septets each', () => {
    expect([...encodeGsm7('€[]{}^~|\\')]).toEqual([
      0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x14, 0x1b, 0x3d, 0x1b, 0x40, 0x1b, 0x2f,
    ]);
    for (const ch of '€[]{}^~|\\') expect(gsmSeptets(ch)).toBe(2);
  });

  it('maps the characters that differ from ASCII to their GSM codes', () => {
    expect([...encodeGsm7('@£$¥_Δ¤¡¿§à')]).toEqual([0x00, 0x01, 0x02, 0x03, 0x11, 0x10, 0x24, 0x40, 0x60, 0x5f, 0x7f]);
  });

  it('round-trips a text with basic and extension characters', () => {
    const text = 'Code 123456 {ok} [x] ~ | \\ ^ € @ £ é ñ Ü ß\n';
    expect(decodeGsm7(encodeGsm7(text))).toBe(text);
  });

  it('refuses characters outside the alphabet (`, á, Cyrillic, emoji)', () => {
    for (const ch of ['`', 'á', 'Ж', '😀', 'ç']) expect(fitsGsm7(ch)).toBe(false);
    expect(() => encodeGsm7('Жук')).toThrow(RangeError);
  });
});

describe('UCS-2', () => {
  it.each([
    ['Cyrillic', 'Ваш код 123456'],
    ['Arabic', 'رمز التحقق 123456'],
    ['Chinese', '您的验证码是 123456'],
    ['emoji (surrogate pairs)', 'Code 123456 😀👍'],
  ])('chooses UCS-2 for %s and round-trips it as UTF-16BE', (_name, text) => {
    expect(chooseEncoding(text)).toBe('ucs2');
    const bytes = encodeUcs2(text);
    expect(bytes.length).toBe(text.length * 2);
    expect(decodeUcs2(bytes)).toBe(text);
  });

  it('writes big-endian code units, an emoji as its surrogate pair', () => {
    expect([...encodeUcs2('Ж😀')]).toEqual([0x04, 0x16, 0xd8, 0x3d, 0xde, 0x00]);
  });
});

describe('segmentation', () => {
  it.each([
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
  ])('GSM 7-bit: %i septets make %i part(s) (160 single, 153 with an 8-bit UDH)', (length, parts) => {
    const p = plan('a'.repeat(length));
    expect(p.encoding).toBe('gsm7');
    expect(p.dataCoding).toBe(0);
    expect(p.parts).toHaveLength(parts);
    if (parts > 1) expect(p.parts.every((part) => part.payload.length <= 153)).toBe(true);
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('UCS-2: %i units make %i part(s) (70 single, 67 with an 8-bit UDH)', (length, parts) => {
    const p = plan('Ж'.repeat(length));
    expect(p.encoding).toBe('ucs2');
    expect(p.dataCoding).toBe(8);
    expect(p.parts).toHaveLength(parts);
    if (parts > 1) expect(p.parts.every((part) => part.payload.length <= 134)).toBe(true);
  });

  it('uses 152 septets / 66 units per part with a 16-bit reference', () => {
    expect(plan('a'.repeat(305), 'udh16').parts.map((p) => p.text.length)).toEqual([152, 152, 1]);
    expect(plan('Ж'.repeat(133), 'udh16').parts.map((p) => p.text.length)).toEqual([66, 66, 1]);
  });

  it('writes the concatenation header: 05 00 03 ref total seq, or 06 08 04 ref16 total seq', () => {
    expect([...(plan('a'.repeat(200)).parts[1]?.udh ?? [])]).toEqual([0x05, 0x00, 0x03, 0x42, 2, 2]);
    expect([...(plan('a'.repeat(200), 'udh16').parts[0]?.udh ?? [])]).toEqual([0x06, 0x08, 0x04, 0x00, 0x42, 2, 1]);
    expect(plan('short').parts[0]?.udh).toBeUndefined();
  });

  it('counts an extension character as two septets: 80 € fill exactly one SMS, 81 do not', () => {
    expect(plan('€'.repeat(80)).parts).toHaveLength(1);
    expect(plan('€'.repeat(81)).parts).toHaveLength(2);
  });

  it('never ends a part between ESC and its code', () => {
    const p = plan('a'.repeat(152) + '€' + 'b'.repeat(10));
    expect(p.parts[0]?.text).toBe('a'.repeat(152));
    expect(p.parts[1]?.text.startsWith('€')).toBe(true);
    expect(p.parts[0]?.payload.at(-1)).not.toBe(0x1b);
  });

  it('never splits a surrogate pair: 66 units + an emoji moves the emoji to the next part', () => {
    const p = plan('Ж'.repeat(66) + '😀' + 'Ж'.repeat(10));
    expect(p.parts[0]?.text).toBe('Ж'.repeat(66));
    expect(p.parts[1]?.text.startsWith('😀')).toBe(true);
    expect(p.units).toBe(66 + 2 + 10);
  });

  it('an emoji makes a 69-character text UCS-2 and 71 units: two parts', () => {
    expect(plan('a'.repeat(68) + '😀').parts).toHaveLength(1);
    expect(plan('a'.repeat(69) + '😀').parts).toHaveLength(2);
  });

  it('keeps the code inside one part, moving it whole to the next part', () => {
    const { text, codeRanges } = renderSmsText('x'.repeat(150) + ' {code} is your code', { code: '123456', brand: 'Acme' });
    const p = plan(text, 'udh8', codeRanges);
    expect(p.parts).toHaveLength(2);
    expect(p.parts[0]?.text).toBe('x'.repeat(150) + ' ');
    expect(p.parts[1]?.text.startsWith('123456')).toBe(true);
    // without the range, the code would have been cut
    expect(plan(text).parts[0]?.text.endsWith('12')).toBe(true);
  });

  it('keeps a UCS-2 code together around 67 units', () => {
    const { text, codeRanges } = renderSmsText('Ж'.repeat(64) + '{code} — ваш код', { code: '98765', brand: '' });
    const parts = plan(text, 'udh8', codeRanges).parts.map((p) => p.text);
    expect(parts.some((t) => t.includes('98765'))).toBe(true);
  });

  it('joins the parts back into the text', () => {
    const text = 'Ваш код 123456. ' + 'Ещё текст '.repeat(20);
    expect(plan(text).parts.map((p) => p.text).join('')).toBe(text);
  });
});

describe('templates', () => {
  it('renders code first and records where the code is', () => {
    const r = renderSmsText('{code} is your {brand} code {app_hash}', { code: '482913', brand: 'Acme', appHash: 'FA+9qCX9VSu' });
    expect(r.text).toBe('482913 is your Acme code FA+9qCX9VSu');
    expect(r.codeRanges).toEqual([[0, 6]]);
  });
});

describe('sender grammar', () => {
  it.each([
    ['Acme', 'alphanumeric', { ton: 5, npi: 0 }],
    ['ACME.Bank', 'alphanumeric', { ton: 5, npi: 0 }],
    ['+447700900123', 'international', { ton: 1, npi: 1 }],
    ['447700900123', 'international', { ton: 1, npi: 1 }],
    ['12345', 'short-code', { ton: 3, npi: 0 }],
  ])('%s is %s with TON/NPI %j', (sender, kind, tonNpi) => {
    const k = senderKind(sender);
    expect(k).toBe(kind);
    expect(senderTonNpi(k as NonNullable<typeof k>)).toEqual(tonNpi);
  });

  it.each(['ABCDEFGHIJKL', '', 'Acme€', 'Ваш', 'a|b', '+12', '+1234567890123456'])('refuses %j', (sender) => {
    expect(senderKind(sender)).toBeUndefined();
  });
});
