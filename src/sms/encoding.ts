/**
 * GSM 03.38 (3GPP TS 23.038) default alphabet and UCS-2, as the SMS centre sees them. Pure: no I/O.
 *
 * A text is sent in GSM 7-bit when every character is in the default alphabet or its extension
 * table (an extension character costs two septets: ESC + code), in UCS-2 otherwise (UTF-16 code
 * units: a character outside the BMP, such as an emoji, is a surrogate pair and costs two).
 */

/** The 128 characters of the default alphabet, in code order (0x1B is the escape to the extension table). */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table (after ESC 0x1B): character → code. */
const GSM_EXTENSION: ReadonlyMap<string, number> = new Map([
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
]);

export const GSM_ESCAPE = 0x1b;

const BASIC: ReadonlyMap<string, number> = new Map([...GSM_BASIC].map((ch, i) => [ch, i] as const).filter(([ch]) => ch !== '\u001b'));
const BASIC_BY_CODE: readonly string[] = [...GSM_BASIC];
const EXTENSION_BY_CODE: ReadonlyMap<number, string> = new Map([...GSM_EXTENSION].map(([ch, code]) => [code, ch] as const));

export type SmsEncoding = 'gsm7' | 'ucs2';

/** SMPP `data_coding` of each encoding (0: SMSC default alphabet, 8: UCS-2). */
export const DATA_CODING: Readonly<Record<SmsEncoding, number>> = { gsm7: 0x00, ucs2: 0x08 };

/** Size in the table, exported for the tests (the default alphabet is exactly 128 codes). */
export const GSM_BASIC_SIZE = BASIC_BY_CODE.length;

/** Septets one character takes in GSM 7-bit: 1, 2 (extension) or undefined (not representable). */
export function gsmSeptets(ch: string): 1 | 2 | undefined {
  if (BASIC.has(ch)) return 1;
  if (GSM_EXTENSION.has(ch)) return 2;
  return undefined;
}

/** Whether every character of `text` can be sent in GSM 7-bit. */
export function fitsGsm7(text: string): boolean {
  for (const ch of text) if (gsmSeptets(ch) === undefined) return false;
  return true;
}

export function chooseEncoding(text: string): SmsEncoding {
  return fitsGsm7(text) ? 'gsm7' : 'ucs2';
}

/**
 * The unpacked septets of a GSM 7-bit text, one per octet, as SMPP carries `data_coding` 0
 * (most SMSCs expect unpacked septets; packing is done on the air interface). Throws on a
 * character outside the alphabet: callers check {@link fitsGsm7} first.
 */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const basic = BASIC.get(ch);
    if (basic !== undefined) {
      out.push(basic);
      continue;
    }
    const ext = GSM_EXTENSION.get(ch);
    if (ext === undefined) throw new RangeError('character outside the GSM 7-bit alphabet');
    out.push(GSM_ESCAPE, ext);
  }
  return Buffer.from(out);
}

/** The inverse of {@link encodeGsm7} (test SMSC, receipts). Unknown codes decode as a space. */
export function decodeGsm7(septets: Buffer): string {
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const code = septets[i] as number;
    if (code === GSM_ESCAPE && i + 1 < septets.length) {
      text += EXTENSION_BY_CODE.get(septets[++i] as number) ?? ' ';
    } else {
      text += BASIC_BY_CODE[code & 0x7f] ?? ' ';
    }
  }
  return text;
}

/** UCS-2 as SMSCs take it: UTF-16 big-endian, surrogate pairs kept as they are. */
export function encodeUcs2(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return le.swap16();
}

export function decodeUcs2(octets: Buffer): string {
  return Buffer.from(octets).swap16().toString('utf16le');
}

export function encodeText(text: string, encoding: SmsEncoding): Buffer {
  return encoding === 'gsm7' ? encodeGsm7(text) : encodeUcs2(text);
}

export function decodeText(octets: Buffer, encoding: SmsEncoding): string {
  return encoding === 'gsm7' ? decodeGsm7(octets) : decodeUcs2(octets);
}

/** Units a character costs in `encoding` (septets for GSM 7-bit, UTF-16 code units for UCS-2). */
export function unitsOf(ch: string, encoding: SmsEncoding): number {
  return encoding === 'gsm7' ? (gsmSeptets(ch) ?? 1) : ch.length;
}
