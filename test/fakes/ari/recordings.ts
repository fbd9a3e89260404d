import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARI_RECORDINGS } from '../../fixtures/paths';
import type { ReplayScript } from './fake-ari';


export interface Recording {
  name: string;
  endpoint: string;
  inbound: boolean;
  script: ReplayScript;
}

interface CaseFile {
  case: string;
  endpoint?: string;
  originate?: { ok: boolean; params: { channelId: string; app: string }; response?: unknown; message?: string };
  events: Array<{ t: number; raw: Record<string, unknown> }>;
}

interface WireFile {
  case: string;
  endpoint: string;
  channel_id: string;
  records: Array<{ kind: string; dir?: string; opcode?: string; t_ms: number; json?: Record<string, unknown>; method?: string; path?: string; status?: number; responseJson?: unknown }>;
}

/** Every recorded case (test/fixtures/ari/cases) and `wire/local-*.wire.json` capture, as replay scripts. */
export function loadRecordings(timeScale: number): Recording[] {
  const cases = join(ARI_RECORDINGS, 'cases');
  const wire = join(ARI_RECORDINGS, 'wire');
  const out: Recording[] = [];
  for (const file of readdirSync(cases).filter((f) => f.endsWith('.json')).sort()) {
    const data = JSON.parse(readFileSync(join(cases, file), 'utf8')) as CaseFile;
    const originate = data.originate;
    const recordedId = originate?.params.channelId ?? '(inbound)';
    const failed = originate !== undefined && !originate.ok;
    out.push({
      name: data.case,
      endpoint: data.endpoint ?? '(inbound)',
      inbound: originate === undefined,
      script: {
        status: failed ? 500 : 200,
        body: failed ? JSON.parse(originate.message ?? '{}') : originate?.response,
        recordedId,
        recordedApp: originate?.params.app ?? 'verify',
        events: data.events.map((e) => ({ t: e.t, raw: e.raw })),
        timeScale,
      },
    });
  }
  for (const file of readdirSync(wire).filter((f) => /^local-.*\.wire\.json$/.test(f)).sort()) {
    const data = JSON.parse(readFileSync(join(wire, file), 'utf8')) as WireFile;
    const originate = data.records.find((r) => r.kind === 'http' && r.method === 'POST' && r.path === '/ari/channels');
    out.push({
      name: `wire/${data.case}`,
      endpoint: data.endpoint,
      inbound: false,
      script: {
        status: originate?.status ?? 200,
        body: originate?.responseJson,
        recordedId: data.channel_id,
        recordedApp: 'verify',
        events: data.records.filter((r) => r.kind === 'ws' && r.dir === 's2c' && r.opcode === 'text' && r.json).map((r) => ({ t: r.t_ms, raw: r.json as Record<string, unknown> })),
        timeScale,
      },
    });
  }
  return out;
}

interface AmdCaseFile extends CaseFile {
  amdMode: 'hangup' | 'wait_for_beep';
  variables: Record<string, { status: number; body?: { value?: string } }>;
}

/** The answering-machine detection recordings (test/fixtures/ari/amd, test/fixtures/record-ari-amd.ts), with the variables read. */
export function loadAmdRecordings(timeScale: number): Array<Recording & { mode: 'hangup' | 'wait_for_beep' }> {
  const dir = join(ARI_RECORDINGS, 'amd');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as AmdCaseFile;
      const variables: Record<string, string> = {};
      for (const [name, read] of Object.entries(data.variables)) if (read.status === 200 && typeof read.body?.value === 'string') variables[name] = read.body.value;
      return {
        name: data.case,
        endpoint: data.endpoint ?? '',
        inbound: false,
        mode: data.amdMode,
        script: {
          status: 200,
          body: data.originate?.response,
          recordedId: data.originate?.params.channelId ?? '',
          recordedApp: data.originate?.params.app ?? 'record-amd',
          events: data.events.map((e) => ({ t: e.t, raw: e.raw })),
          timeScale,
          variables,
        },
      };
    });
}
