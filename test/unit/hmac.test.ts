import { createHmac, randomBytes } from 'node:crypto';
import { HmacSha256 } from '../../src/lib/hmac';

describe('HMAC-SHA256 from one-shot hashes', () => {
  it('gives the same bytes as createHmac for keys and messages of every size class', () => {
    for (const keyLength of [1, 16, 32, 63, 64, 65, 100, 200]) {
      const key = randomBytes(keyLength);
      const mac = new HmacSha256(key);
      for (const message of ['', '1234', 'a'.repeat(63), 'b'.repeat(64), 'c'.repeat(1000), '3f0c9a8e5b2d4c1e8f7a6b5c4d3e2f10:482913', 'ünïcödé ✓']) {
        expect(mac.digest(message).equals(createHmac('sha256', key).update(message).digest())).toBe(true);
      }
      const binary = randomBytes(77);
      expect(mac.digest(binary).equals(createHmac('sha256', key).update(binary).digest())).toBe(true);
    }
  });

  it('matches the RFC 4231 test case 2', () => {
    const mac = new HmacSha256(Buffer.from('Jefe'));
    expect(mac.digest('what do ya want for nothing?').toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
