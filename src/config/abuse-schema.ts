import { z } from 'zod';

/**
 * The `abuse` section of the configuration (docs/abuse-controls.md): limits every start request
 * passes, native and compat alike, before anything is stored or dialled. Kept in its own file so
 * schema.ts only references it.
 */

/**
 * A number pattern: `+` then digits, where `X` stands for any digit. Patterns match as prefixes:
 * `+1900` is every number starting so, `+1XXX55501XX` the NANP fiction range in every area code.
 */
export const numberPattern = z
  .string()
  .regex(/^\+[0-9X]{1,15}$/, 'must be + followed by digits, X for any digit (e.g. +1900 or +1XXX55501XX)');

/** libphonenumber number types, plus UNKNOWN for numbers it cannot type. */
export const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
  'UNKNOWN',
] as const;
export type NumberTypeName = (typeof NUMBER_TYPES)[number];

/** ISO 3166 alpha-2, or `001` for non-geographic numbers (+800, +870, +881, +882, +883…). */
const region = z.string().regex(/^([A-Z]{2}|001)$/, 'must be an ISO country code such as GB, or 001 for non-geographic numbers');

const destinationLists = z.strictObject({
  /** When not empty, only numbers of these countries are served. */
  allowCountries: z.array(region).default([]),
  /**
   * Countries refused. Default: non-geographic numbers (satellite and international networks,
   * `001`), a favourite of toll fraud that no ordinary user verifies with.
   */
  denyCountries: z.array(region).default(['001']),
  /** When not empty, only numbers matching one of these patterns (area codes, ranges) are served. */
  allowPrefixes: z.array(numberPattern).default([]),
  /** Number patterns refused (area codes, ranges), e.g. `+1900`, `+4470`. */
  denyPrefixes: z.array(numberPattern).default([]),
});

const quota = z.strictObject({
  /** Verifications a key may start per clock hour; null = unlimited. */
  perHour: z.number().int().min(1).nullable().default(1000),
  /** Verifications a key may start per day (UTC); null = unlimited. */
  perDay: z.number().int().min(1).nullable().default(10000),
});

export const abuseSchema = z
  .strictObject({
    /**
     * false turns every control below off, the do-not-call list included: for load tests and
     * benchmarks that start thousands of verifications in one number range (never in production).
     */
    enabled: z.boolean().default(true),
    /**
     * Numbers exempt from the per-number flood limits and the range velocity limit (patterns).
     * Default: NANP 555-0100…0199 of every area code, reserved for fiction (nobody can be
     * harassed there): the simulator's QA numbers, which tests call many times a minute.
     */
    exemptNumbers: z.array(numberPattern).default(['+1XXX55501XX']),
    /** Per-number flood limits (fixed windows, all keys and channels together). */
    flood: z
      .strictObject({
        perMinute: z.number().int().min(1).default(1),
        perTenMinutes: z.number().int().min(1).default(5),
      })
      .prefault({}),
    /**
     * Toll-fraud signature: many different numbers of one range within minutes. A range is the
     * number without its last `rangeDigits` digits (4: blocks of 10,000 numbers).
     */
    velocity: z
      .strictObject({
        rangeDigits: z.number().int().min(1).max(8).default(4),
        maxNumbers: z.number().int().min(1).default(10),
        windowSeconds: z.number().int().min(60).max(86400).default(600),
      })
      .prefault({}),
    /** Engine-wide circuit breaker on voice verifications (calls) placed per minute. */
    breaker: z
      .strictObject({
        callsPerMinute: z.number().int().min(1).default(120),
        /** Once tripped, voice verifications stay refused this long. */
        openSeconds: z.number().int().min(1).max(3600).default(300),
        /**
         * The share of `callsPerMinute` one key may place (at least one call): a key over it is
         * refused with QUOTA_EXCEEDED (window `minute`) before it counts toward the breaker, so
         * one key cannot trip the breaker for the others. 1 lets one key use the whole rate.
         */
        perKeyShare: z.number().gt(0).max(1).default(0.5),
      })
      .prefault({}),
    /** Default per-key quotas ("no credits"); a key's own `quota` overrides them. */
    keyQuota: quota.prefault({}),
    /** Number types refused on every channel (libphonenumber's getType(); UNKNOWN when it cannot tell). */
    refuseNumberTypes: z.array(z.enum(NUMBER_TYPES)).default(['PREMIUM_RATE', 'SHARED_COST', 'UNKNOWN']),
    /** Destination lists for calls (call and reverse channels). */
    voice: destinationLists.prefault({}),
    /** Destination lists for SMS. */
    sms: destinationLists.prefault({}),
    doNotCall: z
      .strictObject({
        /** File of numbers never called or texted (one E.164 number a line, # comments); the admin API rewrites it. */
        file: z.string().min(1).optional(),
        /** How often the file is re-read (engines sharing a file converge). */
        reloadSeconds: z.number().int().min(1).max(3600).default(30),
      })
      .prefault({}),
  })
  .prefault({});

export type AbuseConfig = z.infer<typeof abuseSchema>;

/** A key's own quota: each field overrides the default; null = unlimited. */
export const keyQuotaSchema = z.strictObject({
  perHour: z.number().int().min(1).nullable().optional(),
  perDay: z.number().int().min(1).nullable().optional(),
});
