/**
 * Request body limits (bytes): a body above its route's limit is refused with REQUEST_TOO_LARGE
 * (413) before it is read, so a client cannot make the server buffer more than a request needs.
 */
export const BODY_LIMITS = {
  /** Routes without their own limit (the do-not-call admin API takes lists of numbers). */
  default: 64 * 1024,
  /**
   * A verification start: short fields, a callback URL of up to 2,048 characters and a template
   * of up to 1,000 (about 11 KiB when every character is JSON-escaped).
   */
  start: 12 * 1024,
  /** A check, cancel, next: a code and a number at most. */
  small: 2 * 1024,
  /** Every compat endpoint: a form or JSON body of a few short parameters. */
  compat: 16 * 1024,
} as const;
