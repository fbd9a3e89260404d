#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (npm run build). For development without a build: npx tsx src/cli/index.ts
const { buildCli } = require('../dist/cli/index.js');
buildCli()
  .parseAsync(process.argv)
  .catch((err) => {
    process.stderr.write(`pbxverify: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
