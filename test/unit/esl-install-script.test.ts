/**
 * dialplan/freeswitch/install.sh: puts pbxverify's FreeSWITCH files into a configuration folder
 * shaped like FreeSWITCH's stock one (and the lab's): include lines once, below the stock lines they
 * belong to; QA parts only with --qa; FreeSWITCH's own event socket moved out of the way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xmlProblems } from '../support/esl/xml';

const SCRIPT = join(__dirname, '../../dialplan/freeswitch/install.sh');

/** The parts of FreeSWITCH 1.10's conf/vanilla the script edits. */
function stockConf(): string {
  const conf = mkdtempSync(join(tmpdir(), 'pbxverify-fsconf-'));
  mkdirSync(join(conf, 'autoload_configs'));
  writeFileSync(
    join(conf, 'freeswitch.xml'),
    [
      '<?xml version="1.0"?>',
      '<document type="freeswitch/xml">',
      '  <X-PRE-PROCESS cmd="include" data="vars.xml"/>',
      '  <section name="configuration" description="Various Configuration">',
      '    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>',
      '  </section>',
      '  <section name="dialplan" description="Regex/XML Dialplan">',
      '    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>',
      '  </section>',
      '  <section name="chatplan" description="Regex/XML Chatplan">',
      '    <X-PRE-PROCESS cmd="include" data="chatplan/*.xml"/>',
      '  </section>',
      '</document>',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(conf, 'autoload_configs/sofia.conf.xml'),
    '<configuration name="sofia.conf" description="sofia Endpoint">\n  <profiles>\n    <X-PRE-PROCESS cmd="include" data="../sip_profiles/*.xml"/>\n  </profiles>\n</configuration>\n',
  );
  writeFileSync(join(conf, 'autoload_configs/event_socket.conf.xml'), '<configuration name="event_socket.conf"><settings><param name="password" value="ClueCon"/></settings></configuration>\n');
  return conf;
}

const install = (...args: string[]) => spawnSync('sh', [SCRIPT, ...args], { encoding: 'utf8' });
const read = (conf: string, file: string) => readFileSync(join(conf, file), 'utf8');
const includes = (text: string) => [...text.matchAll(/<X-PRE-PROCESS cmd="include" data="([^"]+)"\/>/g)].map((m) => m[1]);

describe('dialplan/freeswitch/install.sh', () => {
  it('installs the production files and include lines, each once, below the stock lines', () => {
    const conf = stockConf();
    expect(install(conf).status).toBe(0);
    expect(install(conf).status).toBe(0);
    const main = read(conf, 'freeswitch.xml');
    expect(includes(main)).toEqual(['vars.xml', 'pbxverify/vars.pbxverify.xml', 'autoload_configs/*.xml', 'pbxverify/autoload_configs/*.xml', 'dialplan/*.xml', 'pbxverify/dialplan/*.xml', 'chatplan/*.xml']);
    expect(main).toContain('    <X-PRE-PROCESS cmd="include" data="pbxverify/dialplan/*.xml"/>');
    expect(xmlProblems(main)).toEqual([]);
    for (const file of ['vars.pbxverify.xml', 'autoload_configs/event_socket.conf.xml', 'dialplan/pbxverify.xml']) expect(existsSync(join(conf, 'pbxverify', file))).toBe(true);
    expect(existsSync(join(conf, 'pbxverify/qa'))).toBe(false);
    expect(includes(read(conf, 'autoload_configs/sofia.conf.xml'))).toEqual(['../sip_profiles/*.xml']);
  });

  it("moves FreeSWITCH's own event socket out of autoload_configs", () => {
    const conf = stockConf();
    expect(install(conf).status).toBe(0);
    expect(existsSync(join(conf, 'autoload_configs/event_socket.conf.xml'))).toBe(false);
    expect(read(conf, 'event_socket.conf.xml.before-pbxverify')).toContain('ClueCon');
  });

  it('adds the QA callees and SIP profile with --qa, and takes them out again without it', () => {
    const conf = stockConf();
    expect(install(conf, '--qa').status).toBe(0);
    expect(includes(read(conf, 'freeswitch.xml'))).toContain('pbxverify/qa/dialplan/*.xml');
    expect(includes(read(conf, 'autoload_configs/sofia.conf.xml'))).toEqual(['../sip_profiles/*.xml', '../pbxverify/qa/sip_profiles/*.xml']);
    expect(existsSync(join(conf, 'pbxverify/qa/sip_profiles/pbxverify-qa.xml'))).toBe(true);
    expect(install(conf).status).toBe(0);
    expect(read(conf, 'freeswitch.xml') + read(conf, 'autoload_configs/sofia.conf.xml')).not.toContain('pbxverify/qa/');
    expect(existsSync(join(conf, 'pbxverify/qa'))).toBe(false);
  });

  it('refuses a folder that is not a FreeSWITCH configuration, saying what it wants', () => {
    const run = install(mkdtempSync(join(tmpdir(), 'pbxverify-notconf-')));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/freeswitch\.xml not found: give FreeSWITCH's configuration folder/);
  });
});
