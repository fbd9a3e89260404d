import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyGreeting } from '../../src/pbx/freeswitch-esl/amd';
import { ESL_RECORDINGS } from '../fixtures/paths';

/**
 * The greeting-length rule on what FreeSWITCH 1.10.12 really reported (test/fixtures/esl/amd,
 * recorded over SIP with test/fixtures/record-esl-amd.ts): wait_for_silence's variables on its
 * CHANNEL_EXECUTE_COMPLETE, and mod_avmd's avmd_detect after the machine's beep.
 */
interface Recorded {
  case: string;
  amdMode: 'hangup' | 'wait_for_beep';
  events: Array<{ t: number; headers: Record<string, string> }>;
}

const dir = join(ESL_RECORDINGS, 'amd');
const recordings = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Recorded);

describe('the FreeSWITCH AMD recordings', () => {
  it('hold a machine and a person in both modes', () => {
    expect(recordings.map((r) => r.case).sort()).toEqual(['amd-human-hangup', 'amd-human-wait-for-beep', 'amd-machine-hangup', 'amd-machine-wait-for-beep']);
  });

  for (const rec of recordings) {
    const completes = rec.events.filter((e) => e.headers['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.Application === 'wait_for_silence');
    const machine = rec.case.startsWith('amd-machine');
    it(`${rec.case}: the greeting rule says ${machine ? 'machine' : 'human'}`, () => {
      expect(classifyGreeting(completes[0]?.headers ?? {}).result).toBe(machine ? 'machine' : 'human');
    });
    if (machine && rec.amdMode === 'wait_for_beep') {
      it(`${rec.case}: mod_avmd heard the beep before the silence after it`, () => {
        expect(completes).toHaveLength(2);
        const beepAt = rec.events.find((e) => e.headers['Event-Subclass'] === 'avmd::beep')?.t ?? Infinity;
        expect(beepAt).toBeLessThan(completes[1]?.t ?? 0);
        const after = rec.events.filter((e) => e.t >= (completes[1]?.t ?? 0)).map((e) => e.headers.variable_avmd_detect);
        expect(after).toContain('TRUE');
      });
    }
  }
});
