import { describeTarget, parseEslUrl } from '../../src/pbx/freeswitch-esl/url';

describe('esl:// URLs', () => {
  it('reads host, port and password', () => {
    expect(parseEslUrl('esl://:pbxverify-live@127.0.0.1:8021')).toEqual({ host: '127.0.0.1', port: 8021, password: 'pbxverify-live' });
  });

  it('defaults the port to 8021 and decodes the password', () => {
    expect(parseEslUrl('esl://:p%40ss%2Fword@fs.example.net')).toEqual({ host: 'fs.example.net', port: 8021, password: 'p@ss/word' });
  });

  it('accepts IPv6 hosts and prints them in brackets', () => {
    const target = parseEslUrl('esl://:secret@[::1]:9021');
    expect(target).toEqual({ host: '::1', port: 9021, password: 'secret' });
    expect(describeTarget(target)).toBe('esl://[::1]:9021');
  });

  it.each([
    ['no password', 'esl://127.0.0.1:8021', /needs a password/],
    ['another scheme', 'ari://:x@127.0.0.1:8021', /expected an esl:\/\/ URL/],
    ['a path', 'esl://:x@127.0.0.1:8021/app', /must not have a path/],
    ['garbage', 'esl//nothing', /not a valid esl:\/\/ URL/],
    ['a space in the password', 'esl://:a%20b@127.0.0.1', /must not contain spaces/],
    ['a newline in the password', 'esl://:a%0Aauth%20x@127.0.0.1', /must not contain spaces or control characters/],
  ])('refuses %s', (_, url, message) => {
    expect(() => parseEslUrl(url)).toThrow(message);
  });

  it('never repeats the password in an error', () => {
    expect(() => parseEslUrl('esl://:top%20secret@127.0.0.1')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('top') }) as Error);
  });
});
