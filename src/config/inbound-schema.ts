import { z } from 'zod';
import { NUMBER_TYPES } from './abuse-schema';

/**
 * `flashCall:` and `missedCall:` (docs/verification-channels.md): the two channels where the
 * caller ID is the message. Flash calls present a caller ID whose last digits are the code;
 * missed-call verifications wait for the user to call one of the operator's DIDs.
 */

/** Shortest and longest flash-call code (the last N digits of the caller ID). */
export const FLASH_CODE_MIN = 3;
export const FLASH_CODE_MAX = 6;

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +442037691880');
const country = z.string().regex(/^([A-Z]{2}|001)$/, 'must be an ISO country code such as GB');

/**
 * A range of caller IDs a trunk may present: fixed digits, then `X` for each free digit
 * (`+4420376900XXXX`). The code is written into the last free digits.
 */
export const callerIdRange = z
  .string()
  .regex(/^\+[1-9][0-9]{3,12}X{3,10}$/, 'must be + and fixed digits, then 3-10 X for the free digits (+4420376900XXXX), 8-15 digits in all')
  .refine((s) => s.length - 1 <= 15, 'a range is at most 15 digits long');

export const flashCallSchema = z
  .strictObject({
    /** Digits of the code (the caller ID's last digits); a request's `code_length` may ask for 3–6. */
    codeLength: z.number().int().min(FLASH_CODE_MIN).max(FLASH_CODE_MAX).default(4),
    /** Fewest distinct codes a pool must give for a code length (a smaller pool is guessable): checked at start. */
    minCodes: z.number().int().min(2).max(1_000_000).default(10),
    /** Hang up after this long even when no ringing was reported (some networks send none). */
    capSeconds: z.number().int().min(2).max(60).default(10),
    /** Number types a flash call may go to (a landline keeps no call log an app could read). */
    numberTypes: z.array(z.enum(NUMBER_TYPES)).min(1).default(['MOBILE', 'FIXED_LINE_OR_MOBILE']),
    /** Countries served; every country when empty. */
    allowCountries: z.array(country).default([]),
    denyCountries: z.array(country).default([]),
    /**
     * The caller IDs of flash calls without explicit routing (no `trunks:`): a pool whose last
     * digits are the codes, or a range the trunk lets the engine fill. With `trunks:`, the trunks
     * of the route serving `flash_call` give them (their `callerIds` or `callerIdRange`).
     */
    callerIds: z.array(e164).optional(),
    callerIdRange: callerIdRange.optional(),
  })
  .prefault({});
export type FlashCallConfig = z.infer<typeof flashCallSchema>;

export const missedCallSchema = z
  .strictObject({
    /** The DIDs users call; `countries`: whose users are shown it (every country when absent). */
    numbers: z.array(z.strictObject({ number: e164, countries: z.array(country).min(1).optional() })).default([]),
    /** How the engine refuses the call (free for the caller either way): 486 Busy Here or 603 Decline. */
    reject: z.enum(['busy', 'decline']).default('busy'),
    /**
     * STIR/SHAKEN: `A` accepts only calls the PBX passed with full attestation (Identity header
     * or `verstat=TN-Validation-Passed`); `none` records the attestation without requiring it.
     */
    requireAttestation: z.enum(['none', 'A']).default('none'),
  })
  .prefault({});
export type MissedCallConfig = z.infer<typeof missedCallSchema>;

/** Demo pools of the embedded simulator (docs/verification-channels.md): used when nothing is configured. */
export const DEMO_FLASH_RANGE = '+1202555XXXXXX';
export const DEMO_MISSED_CALL_NUMBERS: ReadonlyArray<{ number: string }> = [{ number: '+12025550190' }, { number: '+12025550191' }];
