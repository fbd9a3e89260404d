import type { z } from 'zod';
import { nearest } from '../lib/nearest';

/**
 * Unknown keys and variables are errors, with the nearest known name: a typo such as
 * `calls.ringTimeoutSecond` must not leave the engine silently on its default.
 * Every object of the schema is strict (`z.strictObject`); this module words what zod reports.
 */

/** How a known key or variable is suggested: ` (did you mean ringTimeoutSeconds?)`, or the list when none is close. */
export function suggestion(word: string, known: readonly string[]): string {
  const near = nearest(word, known);
  if (near) return ` (did you mean ${near}?)`;
  return known.length ? ` (known: ${known.join(', ')})` : '';
}

/** The keys an object schema declares (`inst` of an `unrecognized_keys` issue). */
function declaredKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * zod error map for the configuration: an `unrecognized_keys` issue becomes one line per key,
 * `<key>\t<message>`, which {@link issueProblems} turns into `<path>.<key>: <message>`.
 * Other issues keep zod's own message.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const known = declaredKeys(issue.inst);
  return issue.keys.map((key) => `${key}\t${key.startsWith('PBXVERIFY_') ? 'unknown key: variables go in the environment, not the file' : `unknown key${suggestion(key, known)}`}`).join('\n');
};

/** The problem lines of one zod issue, each starting with its path in the file. */
export function issueProblems(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.message.split('\n').map((line) => {
      const [key = '', message = line] = line.split('\t');
      return `${[...path, key].join('.')}: ${message}`;
    });
  }
  return [`${path.length ? path.join('.') : '(root)'}: ${issue.message}`];
}

/**
 * `PBXVERIFY_*` variables that belong to something else, so pbxverify ignores them: the
 * FreeSWITCH event-socket settings (dialplan/freeswitch/vars.pbxverify.xml), the live test
 * suite, the test harness's log level and provisioning (scripts/test-deps.sh), and the webhook
 * secret a receiving application reads (docs/api.md). `PBXVERIFY_TEST_CLOCK` is ours.
 */
const PREFIX = 'PBXVERIFY_';

const FOREIGN_VARIABLES: ReadonlyArray<RegExp> = [/^PBXVERIFY_ESL_/, /^PBXVERIFY_LIVE_/, /^PBXVERIFY_TEST_(LOG|DEPS)$/, /^PBXVERIFY_WEBHOOK_SECRET$/];

/** One problem per `PBXVERIFY_*` variable that is neither read by pbxverify nor another part's. */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !knownSet.has(name) && !FOREIGN_VARIABLES.some((re) => re.test(name)))
    .sort()
    .map((name) => {
      // compare what follows the common prefix, else every name is "close" to every other
      const near = nearest(name.slice(PREFIX.length), known.map((k) => k.slice(PREFIX.length)));
      return `${name}: unknown variable${near ? ` (did you mean ${PREFIX}${near}?)` : ' (`pbxverify config env` lists them)'}`;
    });
}

