/**
 * `npm run bench`: runs every bench/*.bench.ts in turn, each in its own process, and prints
 * their figures. `npm run bench -- api` runs only the files whose name contains "api".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, file)], { stdio: 'inherit', cwd: join(__dirname, '..') });
  if (result.status !== 0) failed++;
}
if (failed) {
  process.stderr.write(`${failed} benchmark(s) failed\n`);
  process.exit(1);
}
