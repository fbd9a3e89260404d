import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileNumberList, parseNumberList } from '../../../src/lib/number-list-file';
import { DoNotCallList } from '../../../src/verification/policy/do-not-call';

describe('the do-not-call list', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pbxverify-dnc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads numbers from a file, skipping comments, blank lines and anything not E.164', async () => {
    const file = join(dir, 'dnc.txt');
    writeFileSync(file, '# opted out\n+442037691881\n\n  +12025550123  # asked twice\nnot-a-number\n');
    const list = new DoNotCallList(new FileNumberList(file));
    expect(await list.reload()).toBe(2);
    expect(list.has('+442037691881')).toBe(true);
    expect(list.has('+12025550123')).toBe(true);
    expect(list.has('+12025550124')).toBe(false);
  });

  it('saves changes to the file, and another engine reading it sees them', async () => {
    const file = join(dir, 'dnc.txt');
    const a = new DoNotCallList(new FileNumberList(file));
    const b = new DoNotCallList(new FileNumberList(file));
    expect(await a.reload()).toBe(0);
    expect(await a.add(['+33612345678', '+33612345678', '+4915112345678'])).toBe(2);
    expect(parseNumberList(readFileSync(file, 'utf8'))).toEqual(['+33612345678', '+4915112345678']);
    await b.reload();
    expect(b.has('+33612345678')).toBe(true);
    expect(await b.remove(['+33612345678', '+19999999999'])).toBe(1);
    await a.reload();
    expect(a.list()).toEqual(['+4915112345678']);
  });

  it('keeps working in memory without a file', async () => {
    const list = new DoNotCallList();
    expect(await list.add(['+442037691881'])).toBe(1);
    expect(await list.reload()).toBe(1);
    expect(list.has('+442037691881')).toBe(true);
  });
});
