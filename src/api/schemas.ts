import { z } from 'zod';

/** Response schemas: documentation for /openapi.json (responses are not re-validated at run time). */

export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable error code, e.g. NUMBER_NOT_E164'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const attemptSchema = z.object({
  n: z.number(),
  channel: z.string(),
  status: z.enum(['running', 'completed']),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  result: z.string().nullable(),
  outcome: z.string().nullable().describe('answered | busy | no-answer | rejected | unreachable | congestion | failed | canceled'),
  reason_code: z.number().nullable().describe('0 failed, 1 hung up, 3 ring timeout, 5 busy, 8 congestion; null when answered'),
  cause: z.object({ q850: z.number().nullable(), sip: z.number().nullable(), text: z.string().nullable() }).nullable(),
  matched: z.boolean().nullable(),
  detail: z.string().nullable().describe('Why, in a few words: `wrong digit`, `dialer queue full`, an SMS message id…'),
  sms: z
    .object({
      gateway: z.string(),
      status: z.enum(['submitted', 'delivered', 'failed', 'unknown']),
      parts: z.number(),
      encoding: z.enum(['gsm7', 'ucs2']),
      cost: z.number().describe('parts × the SMS price per part of the gateway\'s rate deck (0 when no rate prices it)'),
      reason: z.string().nullable(),
    })
    .nullable()
    .describe('SMS attempts: the gateway and its delivery receipt'),
  trunk: z.string().nullable().describe('Calls: the trunk the call was answered on or ended on (docs/routing.md)'),
  caller_id: z.string().nullable().describe('Calls: the caller ID presented (always a number of the trunk\'s pool when routes are configured)'),
  failover: z
    .array(z.object({ trunk: z.string(), outcome: z.string(), cause: z.object({ q850: z.number().nullable(), sip: z.number().nullable(), text: z.string().nullable() }) }))
    .describe('Calls: trunks that refused first with a trunk cause, in order (failover within the attempt)'),
  amd: z
    .object({
      mode: z.enum(['hangup', 'wait_for_beep']),
      result: z.enum(['human', 'machine', 'notsure']),
      cause: z.string().nullable().describe('The detector\'s reason: Asterisk AMDCAUSE (e.g. LONGGREETING-2000-1500), FreeSWITCH greeting-<ms>ms or beep'),
      beep: z.boolean().nullable().describe('wait_for_beep on a machine: whether the beep was heard before the message'),
      message_left: z.boolean().describe('wait_for_beep on a machine: the short message (never the code) was played to the end'),
      ms: z.number().nullable().describe('From answer to the verdict (to the beep with wait_for_beep), ms'),
    })
    .nullable()
    .describe('Calls with answering-machine detection on: what it found (docs/amd.md); null when off or not answered'),
  flash_outcome: z.enum(['rang', 'answered', 'busy', 'failed']).optional().describe('Flash calls: rang (hung up on ringing), answered (hung up at once), busy, failed (see cause)'),
  ring_at: z.string().optional().describe('Calls: when the callee\'s side started ringing'),
});

export const verificationSchema = z.object({
  id: z.string().describe('32 lowercase hex characters'),
  status: z.enum(['pending', 'approved', 'failed', 'expired', 'canceled']),
  failure_reason: z
    .string()
    .nullable()
    .describe('When failed: too-many-wrong-codes, or the result of the last step that could not deliver the code (not-answered, send-failed, gate-failed, machine, error; keypad workflows also mismatch, no-input, hung-up-during-prompt)'),
  to: z.string(),
  channel: z.string(),
  workflow: z.string(),
  lang: z.string(),
  amd: z.enum(['off', 'hangup', 'wait_for_beep']).describe('Answering-machine detection of the calls; a workflow step may set its own'),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string(),
  code_expires_at: z.string(),
  ended_at: z.string().nullable(),
  next_step_at: z.string().nullable(),
  checks: z.object({ wrong: z.number(), max: z.number(), remaining: z.number() }),
  attempts: z.array(attemptSchema),
  flash_call: z
    .object({ caller_id_prefix: z.string(), code_length: z.number() })
    .optional()
    .describe('Flash calls: the calling number starts with caller_id_prefix; its last code_length digits are the code (check takes those digits or the whole number)'),
  missed_call: z
    .object({ call_to: z.string(), expires_at: z.string(), called_at: z.string().nullable(), attestation: z.enum(['A', 'B', 'C']).nullable() })
    .optional()
    .describe('Missed-call verification: the user calls call_to from the number being verified before expires_at; the call is rejected (free) and verifies it'),
});
