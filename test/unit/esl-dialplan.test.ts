/**
 * dialplan/freeswitch: well-formed XML, the qa callees the same as the ESL fake's (by name and by
 * E.164 test number), an event socket bound by variables with no default password, production and
 * QA apart, and no preprocessor line hidden in a comment (FreeSWITCH would run it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CALLEE_NAMES, calleeFor, E164_CALLEES } from '../fakes/esl/callees';
import { xmlProblems } from '../support/esl/xml';

const DIR = join(__dirname, '../../dialplan/freeswitch');
const read = (file: string): string => readFileSync(join(DIR, file), 'utf8');

function checkXml(text: string): void {
  expect(xmlProblems(text)).toEqual([]);
}

interface Extension {
  name: string;
  expression: RegExp;
  actions: Array<{ app: string; data: string }>;
}

function extensions(xml: string): Extension[] {
  return [...xml.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<extension name="([^"]+)">([\s\S]*?)<\/extension>/g)].map(([, name, inner]) => ({
    name: name as string,
    expression: new RegExp(/expression="([^"]+)"/.exec(inner as string)?.[1] ?? '^$'),
    actions: [...(inner as string).matchAll(/<action application="([^"]+)"(?: data="([^"]*)")?\/>/g)].map(([, app, data]) => ({ app: app as string, data: data ?? '' })),
  }));
}

describe('dialplan/freeswitch', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(DIR, dir)).flatMap((f) => (statSync(join(DIR, dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const xmlFiles = files('.').filter((f) => f.endsWith('.xml'));

  it('ships the production files and, apart in qa/, the QA callees and SIP profile', () => {
    expect(xmlFiles.sort()).toEqual([
      'autoload_configs/event_socket.conf.xml',
      'dialplan/pbxverify.xml',
      'qa/dialplan/pbxverify-qa.xml',
      'qa/sip_profiles/pbxverify-qa.xml',
      'vars.pbxverify.xml',
    ]);
  });

  it.each(xmlFiles)('%s is well-formed XML', (file) => checkXml(read(file)));

  // FreeSWITCH's preprocessor does not know XML comments: an include or set line shown in a
  // comment runs, and a line naming the command without its < is dropped (with any --> on it).
  it.each([...files('.'), ...files('../../docker/freeswitch/conf')])('%s hides no preprocessor line in a comment', (file) => {
    const comments = read(file).match(/<!--[\s\S]*?-->/g) ?? [];
    expect(comments.filter((c) => /x-pre-process/i.test(c))).toEqual([]);
  });

  it('keeps the QA callees out of the production dialplan folder', () => {
    const production = files('dialplan').map((f) => read(f)).join('\n');
    expect(production).not.toMatch(/<context name="qa">/);
    expect(read('qa/dialplan/pbxverify-qa.xml')).toMatch(/<context name="qa">/);
  });

  it('ships a QA SIP profile on loopback that routes to the qa callees, with a soft RTP timer and RFC 2833', () => {
    const profile = read('qa/sip_profiles/pbxverify-qa.xml');
    expect(profile).toMatch(/<profile name="pbxverify-qa">/);
    for (const [param, value] of [['context', 'qa'], ['sip-ip', '127.0.0.1'], ['sip-port', '5085'], ['rtp-ip', '127.0.0.1'], ['rtp-timer-name', 'soft'], ['dtmf-type', 'rfc2833']]) {
      expect(profile).toContain(`<param name="${param}" value="${value}"/>`);
    }
  });

  it('parks everything that reaches the pbxverify context', () => {
    const [park] = extensions(read('dialplan/pbxverify.xml'));
    expect(park?.expression.test('+442037691880')).toBe(true);
    expect(park?.actions.map((a) => a.app)).toContain('park');
  });

  describe('the qa callees are the ESL fake’s', () => {
    const qa = extensions(read('qa/dialplan/pbxverify-qa.xml'));
    const find = (dialled: string): Extension | undefined => qa.find((e) => e.expression.test(dialled));

    it.each([...CALLEE_NAMES, ...Object.keys(E164_CALLEES), 'press-600-1234#'])('%s', (dialled) => {
      const ext = find(dialled);
      const callee = calleeFor(dialled);
      expect(ext).toBeDefined();
      expect(callee).toBeDefined();
      if (!ext || !callee) return;
      const apps = ext.actions.map((a) => a.app);
      if (callee.dial === 'answer') {
        // Answered at once, or after ringing (slow-answer).
        expect(apps).toContain('answer');
        if (callee.ringMs > 0) expect(ext.actions.find((a) => a.app === 'sleep')?.data).toBe(String(callee.ringMs));
        const sends = callee.script.find((s) => 'dtmf' in s);
        const pressLoop = ext.actions.find((a) => a.app === 'execute_extension')?.data;
        if (sends && 'dtmf' in sends && pressLoop === undefined) expect(ext.actions.find((a) => a.app === 'send_dtmf')?.data).toBe(sends.dtmf);
        // A press loop names its spacing and digits: pbxverify-pressloop-<MS>-<DIGITS>.
        if (sends && 'dtmf' in sends && pressLoop?.startsWith('pbxverify-pressloop-7')) expect(pressLoop).toBe(`pbxverify-pressloop-${sends.spacing}-${sends.dtmf} XML qa`);
        const waits = callee.script.filter((s) => 'wait' in s).map((s) => ('wait' in s ? String(s.wait) : ''));
        expect(ext.actions.filter((a) => a.app === 'sleep' && a.data !== String(callee.ringMs || -1)).map((a) => a.data)).toEqual(waits);
      } else if (callee.dial === 'ring-forever') {
        expect(apps).toEqual(['ring_ready', 'sleep', 'hangup']);
      } else if (callee.dial === 'NORMAL_CLEARING') {
        expect(ext.actions).toEqual([{ app: 'hangup', data: '' }]);
      } else {
        expect(ext.actions.find((a) => a.app === 'hangup')?.data).toBe(callee.dial);
        expect(apps).not.toContain('answer');
      }
    });
  });

  it('binds the event socket to configurable variables, with no ClueCon anywhere', () => {
    const esl = read('autoload_configs/event_socket.conf.xml');
    expect(esl).toMatch(/name="listen-ip" value="\$\$\{pbxverify_esl_listen_ip\}"/);
    expect(esl).toMatch(/name="listen-port" value="\$\$\{pbxverify_esl_port\}"/);
    expect(esl).toMatch(/name="password" value="\$\$\{pbxverify_esl_password\}"/);
    const vars = read('vars.pbxverify.xml');
    expect(vars).toMatch(/cmd="env-set" data="pbxverify_esl_password=\$PBXVERIFY_ESL_PASSWORD"/);
    expect(vars).toMatch(/cmd="env-set" data="pbxverify_esl_listen_ip=\$PBXVERIFY_ESL_LISTEN_IP"/);
    const defaultPassword = /data="pbxverify_esl_password=([^"]*)"/.exec(vars)?.[1];
    expect(defaultPassword).toBeDefined();
    expect(defaultPassword).not.toBe('ClueCon');
    expect(esl + vars).not.toMatch(/value="ClueCon"|=ClueCon"/);
  });

  it('ships the gateway template commented out, with rtp-timer-name=soft', () => {
    const template = read('sip_profiles/pbxverify.xml.template');
    expect(template.trim().startsWith('<!--')).toBe(true);
    expect(template.trim().endsWith('-->')).toBe(true);
    expect(template).toMatch(/<param name="rtp-timer-name" value="soft"\/>/);
    expect(template).toMatch(/<gateway name="pbxverify">/);
  });
});
