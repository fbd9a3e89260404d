/**
 * Imports what the ESL fake and the replay tests need from the shared FreeSWITCH recordings
 * (../shared/pbx-transcripts/freeswitch-1.10) into test/fakes/esl/recordings/, so the test
 * suite runs without them:
 *
 * - cases/<case>.json: every recorded case (the per-case key headers and event order, verbatim),
 *   plus the two cases only the wire captures hold, converted to the same shape;
 * - wire/<case>.frames.json: the small byte-faithful captures (handshake, bad password, -ERR api
 *   replies), verbatim;
 * - templates.json: for each event the fake emits, the header order and constant values of the
 *   real event (A leg / B leg of loopback-answer-and-press-pgd; CHANNEL_PROGRESS from
 *   loopback-noanswer).
 *
 * Run: npx tsx test/fakes/esl/import-recordings.ts [path/to/pbx-transcripts]
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Frame {
  dir: 'c2s' | 's2c';
  t_ms: number;
  command?: string;
  headers: Record<string, string>;
  body: string;
  bodyJson?: Record<string, string>;
}

const source = join(process.argv[2] ?? join(__dirname, '../../../../../shared/pbx-transcripts'), 'freeswitch-1.10');
const target = join(__dirname, 'recordings');
mkdirSync(join(target, 'cases'), { recursive: true });
mkdirSync(join(target, 'wire'), { recursive: true });

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

// 1. Cases, verbatim.
for (const file of readdirSync(source).filter((f) => f.endsWith('.json') && !f.startsWith('_'))) {
  writeFileSync(join(target, 'cases', file), readFileSync(join(source, file)));
}

// 2. The small wire captures, verbatim.
for (const name of ['connect-auth-subscribe', 'auth-bad-password', 'api-err']) {
  writeFileSync(join(target, 'wire', `${name}.frames.json`), readFileSync(join(source, 'wire', `${name}.frames.json`)));
}

// 3. Wire-only cases converted to the case shape (key headers of each event, legs, sequence).
const KEY_HEADERS = [
  'Unique-ID',
  'Channel-Name',
  'Call-Direction',
  'Answer-State',
  'Channel-Call-State',
  'Channel-State',
  'Caller-Destination-Number',
  'Application',
  'Application-Data',
  'Application-Response',
  'Application-UUID',
  'Hangup-Cause',
  'DTMF-Digit',
  'DTMF-Duration',
  'DTMF-Source',
  'Playback-File-Path',
  'Playback-Status',
  'Job-UUID',
  'Job-Command',
  'Job-Command-Arg',
  '_body',
  'variable_qa_digits',
  'variable_read_result',
  'variable_read_terminator_used',
  'variable_hangup_cause_q850',
  'variable_sip_term_status',
];
for (const name of ['loopback-answer-silent-pgd-timeout', 'loopback-answer-then-hangup-during-pgd']) {
  const frames = readJson<Frame[]>(join(source, 'wire', `${name}.frames.json`));
  const index = readJson<Array<{ case: string; description: string; origination_uuid: string; channels: Record<string, string> }>>(join(source, 'wire', 'index.json'));
  const meta = index.find((c) => c.case === name);
  if (!meta) throw new Error(`${name} missing from index.json`);
  const legs: Record<string, string> = {};
  for (const [uuid, channel] of Object.entries(meta.channels)) legs[uuid] = channel.endsWith('-a') ? 'A' : 'B1';
  const t0 = frames.find((f) => f.dir === 'c2s' && f.command?.startsWith('bgapi originate'))?.t_ms ?? 0;
  const events = frames
    .filter((f) => f.dir === 's2c' && f.bodyJson)
    .map((f) => {
      const body = f.bodyJson as Record<string, string>;
      const picked: Record<string, string | number> = { event: body['Event-Name'] as string };
      for (const key of KEY_HEADERS) {
        const value = body[key];
        if (value !== undefined) picked[key] = key === '_body' ? value.trim() : value;
      }
      picked.leg = body['Unique-ID'] ? (legs[body['Unique-ID']] ?? '?') : '-';
      picked.t_ms = Math.round(f.t_ms - t0);
      return picked;
    });
  const sequence = events.map((e) => {
    const detail = e.Application ? `(${String(e.Application)})` : e['DTMF-Digit'] ? `(${String(e['DTMF-Digit'])})` : e['Hangup-Cause'] ? `[${String(e['Hangup-Cause'])}]` : '';
    return `${String(e.leg)}:${String(e.event)}${detail}`;
  });
  const steps = frames
    .filter((f) => f.dir === 'c2s' && !/^(auth|event)/.test(f.command ?? ''))
    .map((f) => ({ t_ms: Math.round(f.t_ms - t0), what: f.command?.split(' ').slice(0, 2).join(' '), headers: f.headers }));
  writeFileSync(
    join(target, 'cases', `${name}.json`),
    `${JSON.stringify({ case: name, description: meta.description, origination_uuid: meta.origination_uuid, legs, steps, events, sequence, converted_from: `wire/${name}.frames.json` }, null, 1)}\n`,
  );
}

// 4. Event templates: header order (variables collapsed to one marker) and constant values.
const templates: Record<string, Record<string, { headers: Array<[string, string]>; variables: Array<[string, string]> }>> = {};
const collect = (file: string): void => {
  const frames = readJson<Frame[]>(join(source, 'wire', file));
  for (const f of frames) {
    const body = f.bodyJson;
    if (f.dir !== 's2c' || !body) continue;
    const name = body['Event-Name'] as string;
    const channel = body['Channel-Name'];
    const leg = channel ? (channel.endsWith('-a') ? 'a' : 'b') : 'none';
    templates[name] ??= {};
    const byLeg = templates[name] as Record<string, { headers: Array<[string, string]>; variables: Array<[string, string]> }>;
    if (byLeg[leg]) continue;
    const headers: Array<[string, string]> = [];
    const variables: Array<[string, string]> = [];
    for (const [key, value] of Object.entries(body)) {
      if (key.startsWith('variable_')) {
        if (variables.length === 0) headers.push(['variable_*', '']);
        variables.push([key, value]);
      } else headers.push([key, value]);
    }
    byLeg[leg] = { headers, variables };
  }
};
collect('loopback-answer-and-press-pgd.frames.json');
collect('loopback-noanswer.frames.json');
collect('loopback-busy.frames.json');
const status = readJson<Frame[]>(join(source, 'wire', 'connect-auth-subscribe.frames.json')).find((f) => f.headers['Content-Type'] === 'api/response')?.body;
writeFileSync(
  join(target, 'templates.json'),
  `${JSON.stringify({ source: 'pbx-transcripts/freeswitch-1.10/wire: loopback-answer-and-press-pgd, loopback-noanswer, loopback-busy', status, events: templates }, null, 1)}\n`,
);
process.stdout.write(`imported into ${target}\n`);
