/* eslint-disable pbxverify/no-outside-paths -- this file holds the rule's own examples of paths it refuses */
/**
 * The lint rule that keeps the code from pointing outside the repository
 * (scripts/lint/no-outside-paths.js, run by `npm run lint` on src/, test/, bench/, scripts/).
 */
import { join } from 'node:path';
import { RuleTester } from 'eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { rule, ALLOWED } = require('../../scripts/lint/no-outside-paths.js') as { rule: never; ALLOWED: Array<{ path: string; why: string }> };

const repo = join(__dirname, '../..');
const inRepo = (file: string) => join(repo, file);
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs' } });
const outside = (path: string) => ({ messageId: 'outside', data: { path } });

tester.run('pbxverify/no-outside-paths', rule, {
  valid: [
    { code: "const dir = join(__dirname, '../../fixtures/ari');", filename: inRepo('test/fakes/ari/recordings.ts') },
    { code: "app.get('/v1/verifications/:id', h); fetch('/ari/channels'); const u = 'http://host/var/x';", filename: inRepo('src/api/a.ts') },
    { code: "const d = '/usr/share/freeswitch/sounds'; const r = '/usr/bin/redis-server';", filename: inRepo('src/config/schema.ts') },
    { code: 'const stat = `/proc/${pid}/stat`; const out = `${dir}/tmp/x`;', filename: inRepo('bench/lib/processes.ts') },
    { code: "#!/usr/bin/env node\nconst pg = '/usr/lib/postgresql/15/bin/initdb';", filename: inRepo('scripts/x.js') },
    { code: '// dial Local/{number}@qa or sofia/gateway/{trunk}/{number}; and/or src/lib/clock.ts', filename: inRepo('src/pbx/a.ts') },
  ],
  invalid: [
    // What test/fakes/ari/recordings.ts did before the recordings moved into test/fixtures/.
    {
      code: "const c = [join(__dirname, '../../../../shared/pbx-transcripts/asterisk-22'), '/work/shared/pbx-transcripts/asterisk-22'];",
      filename: inRepo('test/fakes/ari/recordings.ts'),
      errors: [outside('../../../../shared/pbx-transcripts/asterisk-22'), outside('/work/shared/pbx-transcripts/asterisk-22')],
    },
    { code: "readFileSync('/home/alice/pbxverify.yaml');", filename: inRepo('src/a.ts'), errors: [outside('/home/alice/pbxverify.yaml')] },
    { code: 'const p = `/opt/pbx-lab/asterisk/${x}`;', filename: inRepo('test/live/a.ts'), errors: [outside('/opt/pbx-lab/asterisk/')] },
    { code: "const t = '/tmp/pbxverify-test';", filename: inRepo('test/e2e/a.ts'), errors: [outside('/tmp/pbxverify-test')] },
    { code: "const s = '~/src/asterisk/.git';", filename: inRepo('scripts/a.ts'), errors: [outside('~/src/asterisk/.git')] },
    { code: "const x = require('../../../elsewhere/x');", filename: inRepo('test/unit/a.ts'), errors: [outside('../../../elsewhere/x')] },
    { code: '/* built with /root/lab/asterisk.sh */ const a = 1;', filename: inRepo('src/a.ts'), errors: [outside('/root/lab/asterisk.sh')] },
  ],
});

describe('the allow-list of absolute paths', () => {
  it('gives a reason for every path it allows', () => {
    for (const entry of ALLOWED) expect(entry.why.length).toBeGreaterThan(10);
  });
});
