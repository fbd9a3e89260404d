import { z } from 'zod';
import {
  BRAND_MAX,
  NO_CONTROL_PATTERN,
  SENDER_PATTERN,
  TEMPLATE_MAX,
  TEXT_PATTERN,
  brandProblem,
  senderProblem,
  templateProblem,
} from './sms-text';

/**
 * The grammar of sms-text.ts as zod schemas, for the API's request schemas (and so /openapi.json)
 * and the configuration. The limits and patterns are visible in the JSON Schema; the checks a
 * pattern cannot express run as a refinement with the same function the drivers use.
 */

const TEXT_RULE = 'must not contain control characters, line separators, bidi controls or |';
/** A failed visible check stops there: the refinement would only repeat it. */
const stop = { abort: true } as const;

function refinedBy(problem: (value: string) => string | undefined) {
  return (value: string, ctx: z.RefinementCtx): void => {
    const found = problem(value);
    if (found !== undefined) ctx.addIssue({ code: 'custom', message: found });
  };
}

/** A text field that is not SMS text (a language, a URL): no control characters. */
export function plainText(max: number) {
  return z.string().max(max).regex(NO_CONTROL_PATTERN, 'must not contain control characters');
}

export const senderSchema = z.string().regex(SENDER_PATTERN, senderProblem(''));

export const brandSchema = z
  .string()
  .min(1, stop)
  .max(BRAND_MAX, stop)
  .regex(TEXT_PATTERN, { message: TEXT_RULE, ...stop })
  .superRefine(refinedBy(brandProblem));

export const templateSchema = z
  .string()
  .max(TEMPLATE_MAX, stop)
  .includes('{code}', { message: 'must contain {code}', ...stop })
  .regex(TEXT_PATTERN, { message: TEXT_RULE, ...stop })
  .superRefine(refinedBy(templateProblem));
