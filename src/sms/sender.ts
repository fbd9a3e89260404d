import { fitsGsm7 } from './encoding';

/**
 * The sender-ID grammar, in one function so that the shared grammar (sender IDs, brands,
 * templates) can replace it in one place once it lands.
 *
 * - alphanumeric: 1–11 characters from the GSM 7-bit alphabet with at least one letter
 *   (letters, digits, space and `.&_-` here: operators reject most punctuation);
 * - numeric: an international number (`+` and up to 15 digits, or 10+ digits), or a short code
 *   of 3–8 digits.
 */
export type SenderKind = 'alphanumeric' | 'international' | 'short-code';

const ALNUM = /^[A-Za-z0-9 .&_-]{1,11}$/;
const INTERNATIONAL = /^(\+[0-9]{7,15}|[0-9]{9,15})$/;
const SHORT_CODE = /^[0-9]{3,8}$/;

/** The kind of a valid sender, or undefined when the grammar refuses it. */
export function senderKind(sender: string): SenderKind | undefined {
  if (SHORT_CODE.test(sender)) return 'short-code';
  if (INTERNATIONAL.test(sender)) return 'international';
  if (ALNUM.test(sender) && fitsGsm7(sender) && /[A-Za-z]/.test(sender)) return 'alphanumeric';
  return undefined;
}

/** SMPP source address TON/NPI for a sender (alphanumeric 5/0, international 1/1, short code 3/0). */
export function senderTonNpi(kind: SenderKind): { ton: number; npi: number } {
  if (kind === 'alphanumeric') return { ton: 5, npi: 0 };
  if (kind === 'international') return { ton: 1, npi: 1 };
  return { ton: 3, npi: 0 };
}
