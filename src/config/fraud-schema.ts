import { z } from 'zod';

/**
 * `fraudGuard` (docs/history.md "Fraud guard"): watches conversion per destination prefix over a
 * sliding window and blocks a prefix whose volume is high while its conversion collapsed (SMS
 * pumping, toll fraud).
 */
export const fraudGuardSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Digits of the E.164 number (after +) that make a destination prefix (447700 for +447700…). */
    prefixDigits: z.number().int().min(2).max(12).default(6),
    /** The sliding window conversion is judged over. */
    windowSeconds: z.number().int().min(60).max(7 * 86400).default(3600),
    /** Starts younger than this are not judged yet (their code may still be on its way). */
    graceSeconds: z.number().int().min(0).max(86400).default(120),
    /** Fewest judged starts in the window before a prefix can be blocked ("volume is high"). */
    minStarts: z.number().int().min(1).max(1_000_000).default(50),
    /** A prefix converting below this (verified / started) is blocked. */
    minConversion: z.number().min(0).max(1).default(0.1),
    /** How long a block lasts (it can be lifted sooner through DELETE /v1/admin/fraud/blocks/{prefix}). */
    blockSeconds: z.number().int().min(60).max(30 * 86400).default(3600),
    /** How often (real time) each engine judges the prefixes it saw and re-reads the blocks. */
    evaluateEveryMs: z.number().int().min(100).max(60_000).default(2000),
    /**
     * Operator alert: a signed webhook (Standard Webhooks) to this URL when a prefix is blocked
     * and when a block is lifted or expires, through the webhook outbox (retries, and the
     * `webhooks.allowNetworks` address guard: a private URL must be allowed there).
     */
    alert: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        /** The alert's signing secret, `whsec_` + base64 (the receiver verifies with it). */
        webhookSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'must be whsec_ followed by base64 (at least 18 bytes)'),
      })
      .optional(),
  })
  .prefault({});
export type FraudGuardConfig = z.infer<typeof fraudGuardSchema>;
