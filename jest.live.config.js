/** Opt-in suite against a real PBX: PBXVERIFY_LIVE_PBX=ari://… or esl://… npm run test:live */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/live/**/*.test.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
