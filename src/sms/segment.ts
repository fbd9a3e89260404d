import { DATA_CODING, chooseEncoding, encodeText, unitsOf, type SmsEncoding } from './encoding';

/**
 * Splitting a text into SMS parts. Pure.
 *
 * A single SMS holds 140 octets: 160 GSM septets or 70 UCS-2 units. A long message is sent as
 * parts that each start with a concatenation header (UDH): 6 octets with an 8-bit reference
 * (153 septets / 67 UCS-2 units left), 7 with a 16-bit one (152 / 66). A part never ends inside
 * an extension character (ESC + code) or a surrogate pair, and never inside a range the caller
 * keeps together (the verification code: a code split over two parts is unreadable in a preview).
 */

/** `udh8` / `udh16`: parts with a concatenation header; `payload`: one PDU, the SMSC splits. */
export type ConcatMode = 'udh8' | 'udh16' | 'payload';

export interface SmsPart {
  text: string;
  /** Encoded text of this part (unpacked septets for GSM 7-bit, UTF-16BE for UCS-2). */
  payload: Buffer;
  /** Concatenation header, set when the message has more than one part. */
  udh?: Buffer;
}

export interface SmsPlan {
  encoding: SmsEncoding;
  /** SMPP `data_coding`. */
  dataCoding: number;
  /** Septets (GSM 7-bit) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
  /** The parts the handset receives (what the operator bills); one when the text fits a single SMS. */
  parts: SmsPart[];
}

export interface PlanOptions {
  concat: ConcatMode;
  /** Concatenation reference (0–255 with `udh8`, 0–65535 with `udh16`). */
  ref: number;
  /** UTF-16 index ranges `[start, end)` that must stay inside one part. */
  keepTogether?: ReadonlyArray<readonly [number, number]>;
}

const SINGLE: Readonly<Record<SmsEncoding, number>> = { gsm7: 160, ucs2: 70 };
const MULTI: Readonly<Record<SmsEncoding, Record<'udh8' | 'udh16', number>>> = {
  gsm7: { udh8: 153, udh16: 152 },
  ucs2: { udh8: 67, udh16: 66 },
};

/** Capacity of one part, in units, when the message needs several. */
export function partCapacity(encoding: SmsEncoding, concat: ConcatMode): number {
  return MULTI[encoding][concat === 'udh16' ? 'udh16' : 'udh8'];
}

export function singleCapacity(encoding: SmsEncoding): number {
  return SINGLE[encoding];
}

function textUnits(text: string, encoding: SmsEncoding): number {
  let units = 0;
  for (const ch of text) units += unitsOf(ch, encoding);
  return units;
}

/**
 * Cuts `text` into part texts of at most `capacity` units, never inside a character and never
 * inside a kept range (unless that range alone is longer than a part, which then starts a part).
 */
function cut(text: string, encoding: SmsEncoding, capacity: number, keep: ReadonlyArray<readonly [number, number]>): string[] {
  const parts: string[] = [];
  let start = 0;
  let used = 0;
  let index = 0;
  for (const ch of text) {
    const range = keep.find(([from]) => from === index);
    if (range && used > 0) {
      const rangeUnits = textUnits(text.slice(range[0], range[1]), encoding);
      if (rangeUnits <= capacity && used + rangeUnits > capacity) {
        parts.push(text.slice(start, index));
        start = index;
        used = 0;
      }
    }
    const units = unitsOf(ch, encoding);
    if (used + units > capacity) {
      parts.push(text.slice(start, index));
      start = index;
      used = 0;
    }
    used += units;
    index += ch.length;
  }
  parts.push(text.slice(start));
  return parts;
}

export function concatHeader(concat: ConcatMode, ref: number, total: number, seq: number): Buffer {
  if (concat === 'udh16') return Buffer.from([0x06, 0x08, 0x04, (ref >> 8) & 0xff, ref & 0xff, total, seq]);
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}

/** Plans the SMS for `text`: encoding, `data_coding`, parts (with their UDH when more than one). */
export function planSms(text: string, opts: PlanOptions): SmsPlan {
  const encoding = chooseEncoding(text);
  const units = textUnits(text, encoding);
  const texts = units <= SINGLE[encoding] ? [text] : cut(text, encoding, partCapacity(encoding, opts.concat), opts.keepTogether ?? []);
  const parts = texts.map((partText, i): SmsPart => {
    const part: SmsPart = { text: partText, payload: encodeText(partText, encoding) };
    if (texts.length > 1) part.udh = concatHeader(opts.concat, opts.ref, texts.length, i + 1);
    return part;
  });
  return { encoding, dataCoding: DATA_CODING[encoding], units, parts };
}
