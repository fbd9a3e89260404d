import { z } from 'zod';

/** `console.*`: the operator console at /console (docs/console.md). Needs the history database. */
export const consoleSchema = z
  .strictObject({
    /** Serve the console and its API at /console (only when the history is on: accounts live there). */
    enabled: z.boolean().default(true),
    /** A session ends after this long without a request, and after `absoluteHours` whatever happens. */
    idleMinutes: z.number().int().min(1).max(24 * 60).default(30),
    absoluteHours: z.number().int().min(1).max(24 * 7).default(12),
    /** Wrong passwords in a row that lock an account, and for how long. */
    maxFailedLogins: z.number().int().min(1).max(100).default(5),
    lockoutMinutes: z.number().int().min(1).max(24 * 60).default(15),
    /** Login tries per client address per minute (right or wrong). */
    loginsPerMinute: z.number().int().min(1).max(1000).default(10),
    /** Cookies marked Secure: `auto` when the request came over TLS (or the engine is in production). */
    secureCookies: z.enum(['auto', 'always', 'never']).default('auto'),
    /** 100 open Live pages are normal; past this many event streams per engine, new ones are refused. */
    maxEventStreams: z.number().int().min(1).max(100_000).default(1000),
  })
  .prefault({});

export type ConsoleConfig = z.infer<typeof consoleSchema>;
