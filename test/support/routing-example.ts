import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The configuration users write (docs/routing.md), read from the docs so the two never drift. */
export function docsExample(): Record<string, unknown> {
  const md = readFileSync(join(__dirname, '../../docs/routing.md'), 'utf8');
  const block = /<!-- example:start -->\s*```yaml\n([\s\S]*?)```/.exec(md);
  if (!block) throw new Error('docs/routing.md has no example block');
  return parse(block[1] as string) as Record<string, unknown>;
}

/** The SMS routes example of docs/sms.md ("Gateways per destination"). */
export function docsSmsRoutesExample(): Record<string, unknown> {
  const md = readFileSync(join(__dirname, '../../docs/sms.md'), 'utf8');
  const block = /<!-- sms-routes-example:start -->\s*```yaml\n([\s\S]*?)```/.exec(md);
  if (!block) throw new Error('docs/sms.md has no SMS routes example block');
  return parse(block[1] as string) as Record<string, unknown>;
}
