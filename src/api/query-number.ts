import { z } from 'zod';
import { AppError } from '../lib/errors';
import type { FieldErrors } from './error-handler';

/**
 * Phone numbers in query strings and form bodies. There a `+` means a space, so
 * `?to=+12025550100` arrives as ` 12025550100` and silently matched nothing (issue 11): a number
 * that starts with a space then a digit other than 0 (as a country code after + does) is refused
 * with NUMBER_PLUS_NOT_ENCODED and the hint.
 */
export const PLUS_AS_SPACE = /^\s+[1-9]/;
export const PLUS_HINT = 'encode + as %2B';

/** Throws NUMBER_PLUS_NOT_ENCODED when `value` is a number whose `+` was decoded to a space. */
export function assertPlusEncoded(value: string, field: string): void {
  if (PLUS_AS_SPACE.test(value)) throw new AppError('NUMBER_PLUS_NOT_ENCODED', { details: { field, hint: PLUS_HINT } });
}

/** An E.164 number in a query string (`to=%2B12025550100`). */
export const queryE164 = z
  .string()
  .refine((value) => !PLUS_AS_SPACE.test(value), { message: `a + decoded as a space: ${PLUS_HINT}`, abort: true })
  .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as %2B12025550100')
  .describe('E.164 number; in a URL write the + as %2B');

/** Field errors of a query whose `to` is {@link queryE164}. */
export const QUERY_TO_ERRORS: FieldErrors = {
  to: { custom: { code: 'NUMBER_PLUS_NOT_ENCODED', details: { hint: PLUS_HINT } }, invalid_format: 'NUMBER_NOT_E164' },
};
