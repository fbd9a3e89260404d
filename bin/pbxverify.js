#!/usr/bin/env node
'use strict';
// Runs the compiled CLI. In a clone: `npm run build` (or `npm start`) once, then `npx pbxverify …`,
// or `npm link` for a global `pbxverify`. Without a build: npx tsx src/cli/index.ts …
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'cli', 'index.js');
if (!existsSync(cli)) {
  process.stderr.write(`pbxverify: not built yet (${cli} is missing): run \`npm run build\` in ${join(__dirname, '..')} first\n`);
  process.exit(2);
}
require(cli)
  .buildCli()
  .parseAsync(process.argv)
  .catch((err) => {
    process.stderr.write(`pbxverify: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
