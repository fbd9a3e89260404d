import { senderProblem } from '../lib/sms-text';

/**
 * The kind of an SMS sender, for the SMSC's source address. Validity is the one grammar of
 * src/lib/sms-text.ts (sender IDs, brands, templates): this only classifies what it accepts.
 */
export type SenderKind = 'alphanumeric' | 'international' | 'short-code';

/** The kind of a valid sender, or undefined when the grammar refuses it. */
export function senderKind(sender: string): SenderKind | undefined {
  if (senderProblem(sender) !== undefined) return undefined;
  if (/^[0-9]{3,8}$/.test(sender)) return 'short-code';
  if (/^\+?[0-9]+$/.test(sender)) return 'international';
  return 'alphanumeric';
}

/** SMPP source address TON/NPI for a sender (alphanumeric 5/0, international 1/1, short code 3/0). */
export function senderTonNpi(kind: SenderKind): { ton: number; npi: number } {
  if (kind === 'alphanumeric') return { ton: 5, npi: 0 };
  if (kind === 'international') return { ton: 1, npi: 1 };
  return { ton: 3, npi: 0 };
}
