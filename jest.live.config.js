/**
 * The live suite against a real PBX (npm run test:live; docs/live-tests.md). PBXVERIFY_LIVE_PBX
 * picks the suite: ari://… runs test/live/ari-*.test.ts, esl://… test/live/esl-*.test.ts. Without
 * it (or with an unknown PBXVERIFY_LIVE_* variable) globalSetup fails the run, saying what to set.
 */
const base = require('./jest.config.js');

const url = process.env.PBXVERIFY_LIVE_PBX ?? '';
const prefix = /^aris?:\/\//.test(url) ? 'ari' : /^esl:\/\//.test(url) ? 'esl' : '*';

module.exports = {
  ...base,
  testMatch: [`<rootDir>/test/live/${prefix}-*.test.ts`],
  globalSetup: '<rootDir>/test/live/global-setup.ts',
  testTimeout: 120_000,
  maxWorkers: 1,
};
