/**
 * Jest global setup: the servers the tests start must be installed (scripts/test-deps.sh, which
 * `npm test` also runs first). When they are not and cannot be, stop before any test with the one
 * line the script printed, instead of dozens of failures that do not say why.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  const result = spawnSync('bash', [join(__dirname, '../../scripts/test-deps.sh')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(1);
};
