import { z } from 'zod';
import { attemptSchema, errorSchema, verificationSchema } from './schemas';

/** Response schemas of the history API (documentation for /openapi.json; views in history-views.ts). */

const time = z.string().describe('ISO 8601');
const money = z.string().nullable().describe('Decimal in `currency` (exact, 6 decimals); null when no rate applied');

export const historyVerificationSchema = z.object({
  id: z.string(),
  key_id: z.string(),
  status: z.string().describe('pending | approved | failed | expired | canceled'),
  reason: z.string().nullable().describe('code-matched, keypad-matched, expired, canceled, or the failure reason'),
  ended_by: z.string().nullable().describe('api | phone | engine'),
  number: z.string().describe('Hashed, masked or full, as history.numbers says'),
  country: z.string().nullable(),
  number_type: z.string().nullable(),
  prefix: z.string(),
  workflow: z.string(),
  channel: z.string().describe('Channel of the first workflow step'),
  lang: z.string(),
  created_at: time,
  updated_at: time,
  ended_at: time.nullable(),
  checks: z.number(),
  delivered: z.boolean(),
  cost: money.optional(),
  currency: z.string().nullable().optional(),
});

/** One attempt's call detail record, as the history keeps it. */
export const cdrSchema = z.object({
  n: z.number(),
  channel: z.string(),
  status: z.enum(['running', 'completed']),
  result: z.string().nullable(),
  outcome: z.string().nullable(),
  node: z.string().nullable(),
  trunk: z.string().nullable(),
  caller_id: z.string().nullable(),
  started_at: time,
  ringing_at: time.nullable(),
  answered_at: time.nullable(),
  ended_at: time.nullable(),
  billsec: z.number().nullable(),
  cause: z.object({ sip: z.number().nullable(), q850: z.number().nullable(), text: z.string().nullable() }).describe('As the PBX reported it'),
  gate: z.string().nullable().describe('passed | wrong | none (never the digit)'),
  dtmf: z.string().nullable().describe('matched | mismatch | no-input (never the digits)'),
  sms_parts: z.number().nullable(),
  sms_status: z.string().nullable().describe('accepted, delivered, unknown, or the failure reason'),
  sms_gateway: z.string().nullable(),
  sms_encoding: z.string().nullable(),
  cost: money,
  currency: z.string().nullable(),
});

/** GET /v1/verifications/{id}: the live shape, or the history's (then each attempt carries its `cdr`). */
export const verificationDetailSchema = verificationSchema.extend({
  attempts: z.array(attemptSchema.extend({ cdr: cdrSchema.optional().describe('Answered from the history: the attempt\'s call detail record') })),
  source: z.enum(['history']).optional().describe('Present when the live record expired and the history answered'),
  reason: z.string().nullable().optional(),
  ended_by: z.string().nullable().optional(),
  cost: money.optional(),
  currency: z.string().nullable().optional(),
});

export const verificationPageSchema = z.object({
  items: z.array(historyVerificationSchema),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});

export const conversionSchema = z.object({
  group_by: z.string().describe('The dimensions, comma-separated, as asked'),
  from: time,
  to: time,
  rows: z.array(
    z.object({
      group: z.string().describe('The group\'s values joined with `,` in `group_by` order (GB,2026-11-01)'),
      groups: z.record(z.string(), z.string()).describe('The group\'s value per dimension ({"country":"GB","day":"2026-11-01"})'),
      started: z.number(),
      delivered: z.number().describe('Answered calls, SMS accepted'),
      verified: z.number(),
      conversion_rate: z.number().describe('verified / started, 4 decimals'),
      median_time_to_verify_ms: z.number().nullable().describe('From a log-scale histogram: within ±2.2 % of the exact median'),
      cost: money,
      cost_per_verified: money,
      currency: z.string().nullable(),
    }),
  ),
});

export const csvSchema = z.string().describe('text/csv; one line per attempt (columns: see docs/history.md)');

export const historyErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 503: errorSchema };
