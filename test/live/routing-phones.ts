import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type Config } from '../../src/config/schema';

/**
 * The two carriers of the live routing tests (ari-routing, esl-routing): SIPp phones on
 * 127.0.0.1, one refusing every INVITE with 503 (:5063), one answering (:5064, media on 6100).
 * Each takes one call and writes its SIP messages to a trace the test reads afterwards.
 */
export const REFUSING_PORT = 5063;
export const ANSWERING_PORT = 5064;

export interface RoutingPhones {
  refusing(): string;
  answering(): string;
}

function phone(scenario: string, port: number, trace: string, media?: number): void {
  const args = ['-sf', join(__dirname, 'sipp', scenario), '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-bg', '-trace_msg', '-message_file', trace, ...(media ? ['-mi', '127.0.0.1', '-mp', String(media)] : [])];
  const started = spawnSync('sipp', args, { encoding: 'utf8' });
  if (!/PID=\[\d+\]/.test(`${started.stdout}${started.stderr}`)) throw new Error(`sipp did not start: ${started.stdout}${started.stderr}`);
  spawnSync('sleep', ['0.3']);
}

export function startRoutingPhones(): RoutingPhones {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-live-routing-'));
  phone('uas-refuse-503.xml', REFUSING_PORT, join(dir, 'refusing.log'));
  phone('uas-answer.xml', ANSWERING_PORT, join(dir, 'answering.log'), 6100);
  return {
    refusing: () => readFileSync(join(dir, 'refusing.log'), 'utf8'),
    answering: () => readFileSync(join(dir, 'answering.log'), 'utf8'),
  };
}

/**
 * Two trunks to those phones (dial templates from `dial(port)`), a GB route over both with the
 * local-presence caller ID: +441619460123 (Manchester) gets +442037691880 on carrier-a and
 * +441612345678 on carrier-b.
 */
export function routingConfig(family: 'asterisk' | 'freeswitch', dial: (port: number) => string): Config {
  return configSchema.parse({
    trunks: [
      { name: 'carrier-a', dial: { [family]: dial(REFUSING_PORT) }, callerIds: ['+442037691880', '+12025550180'] },
      { name: 'carrier-b', dial: { [family]: dial(ANSWERING_PORT) }, callerIds: ['+442037691881', '+441612345678'] },
    ],
    routes: [{ match: { countries: ['GB'] }, trunks: ['carrier-a', 'carrier-b'], callerId: 'local' }],
  });
}

export const ROUTED_CALLEE = '+441619460123';
export const LOCAL_CALLER_ID = '+441612345678';
