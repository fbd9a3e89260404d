import { CodeVault } from '../../src/verification/codes';

describe('code vault', () => {
  const vault = new CodeVault('x'.repeat(32));

  it('generates numeric codes of the asked length', () => {
    for (const length of [4, 6, 10]) expect(vault.generate(length)).toMatch(new RegExp(`^[0-9]{${length}}$`));
  });

  it('matches a code only under the verification it was issued for', () => {
    const hash = vault.hash('id-1', '482913');
    expect(vault.matches('id-1', '482913', hash)).toBe(true);
    expect(vault.matches('id-1', '482914', hash)).toBe(false);
    expect(vault.matches('id-2', '482913', hash)).toBe(false);
    expect(hash).not.toContain('482913');
  });

  it('seals and unseals a code, bound to its verification', () => {
    const sealed = vault.seal('id-1', '0042');
    expect(sealed).not.toContain('0042');
    expect(vault.unseal('id-1', sealed)).toBe('0042');
    expect(() => vault.unseal('id-2', sealed)).toThrow();
  });
});
