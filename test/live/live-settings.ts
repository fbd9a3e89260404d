/**
 * The live suite's settings (npm run test:live): every environment variable it reads, in one
 * table. docs/live-tests.md shows the same table (test/unit/live-settings.test.ts keeps the two
 * equal); global-setup.ts refuses a run with nothing to test or with a variable it does not know.
 */
export type LivePbx = 'asterisk' | 'freeswitch';

export interface LiveVariable {
  name: string;
  /** The PBX whose tests read it; both when absent. */
  pbx?: LivePbx;
  default?: string;
  meaning: string;
}

export const LIVE_VARIABLES: readonly LiveVariable[] = [
  {
    name: 'PBXVERIFY_LIVE_PBX',
    meaning: 'required: the PBX under test, `ari://user:password@127.0.0.1:8088/pbxverify` (Asterisk) or `esl://:password@127.0.0.1:8021` (FreeSWITCH); the suite of that PBX runs',
  },
  { name: 'PBXVERIFY_LIVE_LOG', default: 'silent', meaning: 'log level of the driver under test (`debug` to see what it sends)' },
  { name: 'PBXVERIFY_LIVE_TEMPLATE', pbx: 'asterisk', default: 'Local/{number}@qa', meaning: 'dial string reaching the `qa` test callees of dialplan/asterisk' },
  {
    name: 'PBXVERIFY_LIVE_SIP_TEMPLATE',
    pbx: 'asterisk',
    meaning: 'PJSIP endpoint reaching the SIP test phone, e.g. `PJSIP/{number}@uas`; with `PBXVERIFY_LIVE_SIP_PHONE` it adds the flows over SIP and RTP (skipped, by name, without both)',
  },
  { name: 'PBXVERIFY_LIVE_SIP_PHONE', pbx: 'asterisk', meaning: 'shell command starting a SIP phone (SIPp with `-bg`) that answers one call and sends RFC 2833 `1234#`' },
  {
    name: 'PBXVERIFY_LIVE_MESSAGE_TEMPLATE',
    pbx: 'asterisk',
    meaning: 'SIP MESSAGE destination, e.g. `pjsip:uas/sip:{number}@127.0.0.1:5070`; with `PBXVERIFY_LIVE_MESSAGE_SINK` it adds the SMS tests (skipped, by name, without both)',
  },
  {
    name: 'PBXVERIFY_LIVE_ROUTING_ENDPOINT',
    pbx: 'asterisk',
    meaning: 'PJSIP endpoint (e.g. `uas`) through which the routing test dials its own two SIPp phones on 127.0.0.1:5063 (refuses with 503) and :5064 (answers); adds the failover and local-presence test (skipped, by name, without it; `sipp` must be on the PATH)',
  },
  { name: 'PBXVERIFY_LIVE_MESSAGE_SINK', pbx: 'asterisk', meaning: 'shell command starting a SIP phone (SIPp with `-bg`) that accepts one MESSAGE' },
  {
    name: 'PBXVERIFY_LIVE_ESL_DIAL',
    pbx: 'freeswitch',
    default: 'loopback/{number}/qa',
    meaning: 'dial string reaching the `qa` test callees of dialplan/freeswitch/qa; over SIP `sofia/pbxverify-qa/{number}@127.0.0.1:5085`',
  },
  { name: 'PBXVERIFY_LIVE_ESL_SOUNDS', pbx: 'freeswitch', default: '/usr/share/freeswitch/sounds', meaning: "FreeSWITCH's sounds directory, with every pack installed under `pbxverify/`" },
  {
    name: 'PBXVERIFY_LIVE_ESL_SIP_PROFILE',
    pbx: 'freeswitch',
    default: 'pbxverify-qa',
    meaning: 'SIP profile the SMS tests send their MESSAGE from, to a SIPp phone on 127.0.0.1 (`sipp` must be on the PATH)',
  },
  {
    name: 'PBXVERIFY_LIVE_FLASH_DIAL',
    meaning:
      'dial template reaching the flash-call test\'s own SIPp phone on 127.0.0.1:5065 (rings, never answers): `PJSIP/uas/sip:{digits}@127.0.0.1:5065` (Asterisk), `sofia/pbxverify-qa/sip:{digits}@127.0.0.1:5065` (FreeSWITCH); adds the flash-call test (skipped, by name, without it; `sipp` must be on the PATH)',
  },
  {
    name: 'PBXVERIFY_LIVE_MISSED_CALL_SIP',
    meaning:
      'host:port of the PBX\'s SIP listener a SIPp caller sends the missed-call test\'s INVITE to (`127.0.0.1:5060` Asterisk, `127.0.0.1:5085` FreeSWITCH\'s pbxverify-qa profile), whose dialplan hands +1202555019x to the inbound entry; adds the missed-call test (skipped, by name, without it)',
  },
  {
    name: 'PBXVERIFY_LIVE_AMD_DIAL',
    meaning:
      'dial string reaching a SIPp phone on 127.0.0.1:5072 that this test starts, e.g. `PJSIP/uas/sip:{number}@127.0.0.1:5072` (Asterisk) or `sofia/pbxverify-qa/{number}@127.0.0.1:5072` (FreeSWITCH); adds the answering-machine detection accuracy run over the generated corpus (docs/amd.md; skipped, by name, without it; `sipp`, `espeak-ng` and `sox` must be on the PATH)',
  },
  {
    name: 'PBXVERIFY_LIVE_ESL_ROUTING_PROFILE',
    pbx: 'freeswitch',
    meaning: 'SIP profile (e.g. `pbxverify-qa`) through which the routing test dials its own two SIPp phones on 127.0.0.1:5063 (refuses with 503) and :5064 (answers); adds the failover and local-presence test (skipped, by name, without it; `sipp` must be on the PATH)',
  },
  {
    name: 'PBXVERIFY_LIVE_RTP_PHONE',
    meaning:
      'host:port of the recording SIP phone the audio test starts itself (test/support/rtp-phone.ts): Asterisk `127.0.0.1:5062` (the address `PBXVERIFY_LIVE_SIP_TEMPLATE` reaches, which it needs too), FreeSWITCH any free port, dialled through `PBXVERIFY_LIVE_ESL_SIP_PROFILE`; adds the test comparing the captured RTP with `prompts render` (skipped, by name, without it)',
  },
  { name: 'PBXVERIFY_LIVE_ESL_RESTART', pbx: 'freeswitch', meaning: 'shell command restarting FreeSWITCH; adds the real-restart test (skipped, by name, without it)' },
];

/** The PBX a live URL names, or undefined. */
export function livePbxOf(url: string | undefined): LivePbx | undefined {
  if (url === undefined) return undefined;
  if (/^aris?:\/\/./.test(url)) return 'asterisk';
  if (/^esl:\/\/./.test(url)) return 'freeswitch';
  return undefined;
}

/**
 * What is wrong with a live run's environment, as lines to print (none: it may run). A run with no
 * PBX configured would test nothing and pass: it is refused, saying what to set.
 */
export function liveProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  const url = env.PBXVERIFY_LIVE_PBX;
  if (!url) {
    problems.push('PBXVERIFY_LIVE_PBX is not set, so there is no PBX to test and nothing would run. Set it to the PBX under test:');
    problems.push('  PBXVERIFY_LIVE_PBX=ari://pbxverify:<password>@127.0.0.1:8088/pbxverify   Asterisk with dialplan/asterisk (docs/asterisk.md)');
    problems.push('  PBXVERIFY_LIVE_PBX=esl://:<password>@127.0.0.1:8021                      FreeSWITCH with dialplan/freeswitch (docs/freeswitch.md)');
  } else if (!livePbxOf(url)) {
    problems.push(`PBXVERIFY_LIVE_PBX must start with ari://, aris:// or esl:// (it starts with "${url.split(':')[0] ?? ''}:")`);
  }
  const known = new Set(LIVE_VARIABLES.map((v) => v.name));
  for (const name of Object.keys(env).filter((n) => n.startsWith('PBXVERIFY_LIVE_') && !known.has(n)).sort()) {
    problems.push(`${name} is not a variable of the live suite (a typo?); it reads ${[...known].join(', ')}`);
  }
  const pairs: Array<[string, string]> = [
    ['PBXVERIFY_LIVE_SIP_TEMPLATE', 'PBXVERIFY_LIVE_SIP_PHONE'],
    ['PBXVERIFY_LIVE_MESSAGE_TEMPLATE', 'PBXVERIFY_LIVE_MESSAGE_SINK'],
  ];
  for (const [a, b] of pairs) if (Boolean(env[a]) !== Boolean(env[b])) problems.push(`${env[a] ? a : b} is set without ${env[a] ? b : a}: the tests need both`);
  if (problems.length) problems.push('Every variable: docs/live-tests.md.');
  return problems;
}

/** Optional tests: run when every variable named is set, else skipped with a title saying what to set. */
export function skippedUnless(title: string, ...names: string[]): { run: boolean; title: string } {
  const missing = names.filter((n) => !process.env[n]);
  return missing.length === 0 ? { run: true, title } : { run: false, title: `${title} (skipped: set ${missing.join(' and ')}; docs/live-tests.md)` };
}

/** LIVE_VARIABLES as the Markdown table docs/live-tests.md shows (test/unit/live-settings.test.ts compares). */
export function liveVariablesTable(): string {
  const rows = LIVE_VARIABLES.map((v) => `| \`${v.name}\` | ${v.pbx === 'asterisk' ? 'Asterisk' : v.pbx === 'freeswitch' ? 'FreeSWITCH' : 'both'} | ${v.default === undefined ? '–' : `\`${v.default}\``} | ${v.meaning} |`);
  return ['| variable | PBX | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
