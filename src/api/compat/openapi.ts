import type { RouteShorthandOptions } from 'fastify';
import { z } from 'zod';

/**
 * /openapi.json entries of the compat endpoints (docs/compat.md), one tag per service. Their
 * parameters are documented with zod schemas but validated by each adapter itself, which answers
 * in its service's own error format: the route's validator lets everything through.
 */

export const COMPAT_TAGS = [
  { name: 'compat: zadarma', description: 'Zadarma request/checknumber (voice code). docs/compat.md "Moving from Zadarma"' },
  { name: 'compat: 99digital', description: '99 Digital Verify SMS. docs/compat.md "Moving from 99 Digital"' },
  { name: 'compat: calledin', description: 'called.in reverse_verify (keypad code, GET callback). docs/compat.md "Moving from called.in"' },
  { name: 'compat: idenfy', description: 'iDenfy phone verification (SMS, then calls). docs/compat.md "Moving from iDenfy"' },
  { name: 'compat: vonage', description: 'Vonage (Nexmo) Verify v1. docs/compat.md "Moving from Vonage Verify"' },
];

const passThrough: NonNullable<RouteShorthandOptions['validatorCompiler']> = () => () => true;
const FORM = ['application/x-www-form-urlencoded', 'application/json'];
const text = (max: number, what: string) => z.string().max(max).describe(what);
const NUMBER_NOTE = 'in a URL query or form body write the + as %2B';

type Params = z.ZodObject;
interface Doc {
  tag: string;
  summary: string;
  description: string;
  params: Params;
}

/**
 * Route options documenting a compat endpoint for `method` (parameters in the query for GET, the
 * body otherwise; `headers` documents request headers such as Idempotency-Key).
 */
export function compatDoc(doc: Doc, method: 'GET' | 'POST', opts: { consumes?: string[]; headers?: z.ZodType } = {}): RouteShorthandOptions {
  const where = method === 'GET' ? { querystring: doc.params } : { body: doc.params, consumes: opts.consumes ?? FORM };
  return {
    validatorCompiler: passThrough,
    schema: { summary: doc.summary, description: doc.description, tags: [doc.tag], security: [], ...where, ...(opts.headers ? { headers: opts.headers } : {}) },
  };
}

/** An alias path (a trailing slash or none) of a documented route: served, not listed twice. */
export const ALIAS: RouteShorthandOptions = { schema: { hide: true } };

export const ZADARMA_CHECKNUMBER: Doc = {
  tag: 'compat: zadarma',
  summary: 'Call a number and speak your code',
  description: 'Signed like Zadarma\'s clients: `Authorization: <key id>:<signature>`. Answers `{status, from, to, lang, time}` or `{status: "error", message}`.',
  params: z.object({
    caller_id: text(20, "One of the key's allowedCallerIds"),
    to: text(20, `Number to call, international digits with or without +; ${NUMBER_NOTE}`),
    code: text(64, 'The code to say: digits, up to 20 (the key needs allowCustomCode)'),
    lang: text(20, 'Prompt language (`ua` is taken as `uk`)').optional(),
  }),
};

export const NINETY_NINE_SEND: Doc = {
  tag: 'compat: 99digital',
  summary: 'Send a code by SMS',
  description: 'Form or multipart body. Answers `{status: "OK"|"FAIL", unique, timestamp, from, reason}`.',
  params: z.object({
    apiKey: text(300, '`<key id>:<secret>`'),
    to: text(32, `National number in the key's defaultCountry, or E.164; ${NUMBER_NOTE}`),
    from: text(11, 'SMS sender').optional(),
    message: text(480, 'SMS text with ##code##').optional(),
  }),
};

export const NINETY_NINE_CHECK: Doc = {
  tag: 'compat: 99digital',
  summary: 'Check a code by phone number',
  description: 'Answers `{status, phone}`: 0 wrong, 1 verified, 2 used, 3 expired/canceled/failed, 4 too many wrong codes, 5 not found.',
  params: z.object({ apiKey: text(300, '`<key id>:<secret>`'), to: text(32, `The number the code was sent to; ${NUMBER_NOTE}`), code: text(64, 'The code the user typed') }),
};

export const CALLEDIN_REVERSE_VERIFY: Doc = {
  tag: 'compat: calledin',
  summary: 'Call a number and collect the code your page shows on the keypad',
  description: 'Answers a bare return code (0 accepted, 1–8 refusals); the outcome is a signed GET to callback_url.',
  params: z.object({
    api_key: text(300, '`<key id>:<secret>`'),
    phone_number: text(20, 'National number'),
    country_code: text(4, 'Country calling code, digits (1, 44…)'),
    code: z.string().regex(/^[0-9]{1,6}$/).describe('The code your page shows, 1–6 digits'),
    callback_url: text(2048, 'http(s) URL called with the result'),
    secret: text(30, 'Echoed in the callback').optional(),
    caller_id: text(20, "One of the key's allowedCallerIds; 0000000000 means none").optional(),
  }),
};

export const IDENFY_SEND: Doc = {
  tag: 'compat: idenfy',
  summary: 'Send a code by SMS (then calls)',
  description: 'HTTP Basic `<key id>:<secret>`, JSON body. Starts sms-call-call with 4-digit codes. Answers `{request_id}`.',
  params: z.object({
    phone_number: text(32, 'E.164 number'),
    sender_name: text(11, 'Name in the SMS text; without spaces, the SMS sender').optional(),
  }),
};

export const IDENFY_VERIFY: Doc = {
  tag: 'compat: idenfy',
  summary: 'Check a code',
  description: 'HTTP Basic `<key id>:<secret>`, JSON body. Answers `{is_verified}`.',
  params: z.object({ request_id: z.string().min(32).max(40).describe('From send-sms'), received_code: z.string().regex(/^[0-9]{4}$/).describe('4 digits') }),
};

const vonageCredentials = {
  api_key: text(64, 'Key id (or HTTP Basic)').optional(),
  api_secret: text(256, 'Key secret').optional(),
};

export const VONAGE_REQUEST: Doc = {
  tag: 'compat: vonage',
  summary: 'Start a verification (verify/json)',
  description: 'Answers `{request_id, status}` with HTTP 200; status "0" is success, others are Vonage\'s codes with error_text.',
  params: z.object({
    ...vonageCredentials,
    number: text(32, `International number, or national with country; ${NUMBER_NOTE}`),
    country: text(2, 'ISO country of a national number').optional(),
    brand: text(18, 'Name in the message'),
    sender_id: text(11, 'SMS sender').optional(),
    code_length: z.enum(['4', '6']).optional(),
    lg: text(10, 'Language, e.g. en-us, de-de').optional(),
    pin_expiry: z.string().regex(/^[0-9]+$/).optional().describe('Code lifetime, 60–3600 s'),
    next_event_wait: z.string().regex(/^[0-9]+$/).optional().describe('Seconds between steps, 60–900'),
    workflow_id: z.string().regex(/^[1-7]$/).optional().describe('Vonage workflow 1–7'),
    pin_code: text(20, 'Your own code (the key needs allowCustomCode)').optional(),
  }),
};

export const VONAGE_CHECK: Doc = {
  tag: 'compat: vonage',
  summary: 'Check a code (verify/check/json)',
  description: 'Status "0" verified, "16" wrong code, "17" too many wrong codes, "6" not found or finished.',
  params: z.object({ ...vonageCredentials, request_id: text(32, 'From verify/json'), code: text(20, 'The code the user typed') }),
};

export const VONAGE_CONTROL: Doc = {
  tag: 'compat: vonage',
  summary: 'Cancel or run the next step (verify/control/json)',
  description: 'Status "0" done, "6" not found or finished, "19" no step left.',
  params: z.object({ ...vonageCredentials, request_id: text(32, 'From verify/json'), cmd: z.enum(['cancel', 'trigger_next_event']) }),
};

export const VONAGE_SEARCH: Doc = {
  tag: 'compat: vonage',
  summary: 'Look verifications up (verify/search/json)',
  description: 'One request_id, or up to 10 request_ids.',
  params: z.object({ ...vonageCredentials, request_id: text(32, 'From verify/json').optional(), request_ids: z.array(text(32, 'From verify/json')).max(10).optional() }),
};
