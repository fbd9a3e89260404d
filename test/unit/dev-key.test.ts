import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentKey } from '../../src/api/keys';
import { forgetDevKey, showDevKey, type Output } from '../../src/cli/dev-key';

const KEY = { id: 'dev', secret: 'dev-secret-abcdefghijklmnop', webhookSecret: 'whsec_c2VjcmV0LXdlYmhvb2stc2VjcmV0' };

class Capture implements Output {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('the development key', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'pbxverify-devkey-'));

  it('has the least the quick start needs: the three channels, no admin rights, no custom codes', () => {
    const key = developmentKey();
    expect(key).toMatchObject({ id: 'dev', allowedChannels: ['call', 'reverse', 'sms'], allowCustomCode: false, admin: false, disabled: false });
    expect(key.secret.length).toBeGreaterThanOrEqual(16);
    expect(developmentKey().secret).not.toBe(key.secret);
  });

  it('is shown once on the terminal (stderr first), never on a stream that is not one', () => {
    const stdout = new Capture(false);
    const stderr = new Capture(true);
    expect(showDevKey(KEY, { url: 'http://127.0.0.1:8080', stdout, stderr, file: 'data/dev-key.txt', cwd })).toEqual({ to: 'terminal' });
    expect(stderr.text.match(/DEVELOPMENT API KEY/g)).toHaveLength(1);
    expect(stderr.text).toContain(KEY.secret);
    expect(stdout.text).toBe('');
    expect(existsSync(join(cwd, 'data/dev-key.txt'))).toBe(false);

    const out = new Capture(true);
    const err = new Capture(false);
    showDevKey(KEY, { url: 'http://127.0.0.1:8080', stdout: out, stderr: err, file: 'data/dev-key.txt', cwd });
    expect(out.text).toContain(KEY.secret);
    expect(err.text).toBe('');
  });

  it('goes to a file of mode 0600 when no terminal shows it, replacing a readable older copy', () => {
    const path = join(cwd, 'keys/dev-key.txt');
    const stdout = new Capture(false);
    const stderr = new Capture(false);
    showDevKey(KEY, { url: 'http://127.0.0.1:8080', stdout, stderr, file: 'keys/dev-key.txt', cwd });
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    const shown = showDevKey(KEY, { url: 'http://127.0.0.1:8080', stdout, stderr, file: 'keys/dev-key.txt', cwd });
    expect(shown).toEqual({ to: 'file', path });
    expect(stdout.text + stderr.text).toBe('');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, 'keys')).mode & 0o077).toBe(0);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toContain(`dev:${KEY.secret}`);
    expect(lines).toContain(`webhook-secret=${KEY.webhookSecret}`);
    forgetDevKey(shown);
    expect(existsSync(path)).toBe(false);
  });
});
