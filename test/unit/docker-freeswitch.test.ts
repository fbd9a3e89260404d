/**
 * docker/compose.freeswitch.yaml and docker/freeswitch, checked statically: a published image
 * pinned to FreeSWITCH 1.10.12 (no build), an event-socket password that must be given, every
 * mounted path present, the configuration well-formed and loading what pbxverify's calls need.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { xmlProblems } from '../support/esl/xml';

const DOCKER = join(__dirname, '../../docker');
const compose = parse(readFileSync(join(DOCKER, 'compose.freeswitch.yaml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: unknown; environment: Record<string, string>; volumes: string[]; healthcheck?: { test: string[] }; network_mode?: string }>;
};
const fs = compose.services.freeswitch;

describe('docker/compose.freeswitch.yaml', () => {
  it('runs the published FreeSWITCH 1.10.12 image, not a source build', () => {
    expect(fs?.image).toBe('safarov/freeswitch:1.10.12');
    expect(fs?.build).toBeUndefined();
  });

  it('requires an event-socket password and keeps the socket on loopback by default', () => {
    expect(fs?.environment.PBXVERIFY_ESL_PASSWORD).toMatch(/^\$\{PBXVERIFY_ESL_PASSWORD:\?.+\}$/);
    expect(fs?.environment.PBXVERIFY_ESL_LISTEN_IP).toBe('${PBXVERIFY_ESL_LISTEN_IP:-127.0.0.1}');
    expect(JSON.stringify(compose)).not.toContain('ClueCon"');
  });

  it('mounts paths that exist in the repository', () => {
    for (const volume of fs?.volumes ?? []) {
      const [host, container] = volume.split(':') as [string, string];
      expect(existsSync(resolve(DOCKER, host))).toBe(true);
      expect(container.startsWith('/')).toBe(true);
    }
    expect(fs?.volumes).toContain('../dialplan/freeswitch:/etc/freeswitch/pbxverify:ro');
  });

  it('checks health through the event socket', () => {
    expect(fs?.healthcheck?.test.join(' ')).toMatch(/fs_cli .*-x status/);
  });
});

describe('docker/freeswitch/conf', () => {
  const conf = join(DOCKER, 'freeswitch/conf');
  const files = ['freeswitch.xml', 'vars.xml', ...readdirSync(join(conf, 'autoload_configs')).map((f) => `autoload_configs/${f}`)];

  it.each(files)('%s is well-formed XML', (file) => {
    expect(xmlProblems(readFileSync(join(conf, file), 'utf8'))).toEqual([]);
  });

  it('includes pbxverify’s event socket, variables and park entry, and not the QA callees', () => {
    const main = readFileSync(join(conf, 'freeswitch.xml'), 'utf8');
    expect(main).toContain('data="pbxverify/vars.pbxverify.xml"');
    expect(main).toContain('data="pbxverify/autoload_configs/*.xml"');
    expect(main).toContain('data="pbxverify/dialplan/*.xml"');
    expect(main).not.toMatch(/data="pbxverify\/qa\//);
    for (const included of ['vars.pbxverify.xml', 'autoload_configs/event_socket.conf.xml', 'dialplan/pbxverify.xml']) {
      expect(existsSync(join(__dirname, '../../dialplan/freeswitch', included))).toBe(true);
    }
  });

  it('loads the modules the driver uses', () => {
    const modules = readFileSync(join(conf, 'autoload_configs/modules.conf.xml'), 'utf8');
    for (const mod of ['mod_event_socket', 'mod_sofia', 'mod_commands', 'mod_dptools', 'mod_dialplan_xml', 'mod_sndfile', 'mod_tone_stream', 'mod_loopback']) {
      expect(modules).toContain(`<load module="${mod}"/>`);
    }
  });
});
