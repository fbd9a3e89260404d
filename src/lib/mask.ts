/**
 * Log hygiene: phone numbers, codes and digits never reach a log line in clear.
 * `maskNumber('+4915112345678')` → `+49151*****78`: enough to tell calls apart, not to dial.
 */
export function maskNumber(number: string): string {
  const digits = number.replace(/^\+/, '');
  if (digits.length <= 6) return `${number.startsWith('+') ? '+' : ''}${'*'.repeat(digits.length)}`;
  const head = digits.slice(0, Math.min(5, digits.length - 4));
  const tail = digits.slice(-2);
  return `${number.startsWith('+') ? '+' : ''}${head}${'*'.repeat(digits.length - head.length - 2)}${tail}`;
}

/**
 * Keys pino censors in every log object, as a safety net behind masking at the call site (call
 * sites log numbers only masked, under `dest`). Top-level keys and known nested paths only:
 * `*.key` wildcards triple the cost of every log line (measured 1.4 → 4.8 µs).
 */
export const REDACT_PATHS: string[] = [
  'to',
  'number',
  'phone_number',
  'code',
  'digits',
  'secret',
  'password',
  'authorization',
  'req.headers.authorization',
  'headers.authorization',
];
