import { ConfigError, loadConfig } from '../../src/config/load';

const base = { cwd: '/nonexistent' };

describe('scale-out configuration', () => {
  it('has dialer and scale-out defaults that work out of the box', () => {
    const { config } = loadConfig({ ...base, env: {} });
    expect(config.dialer).toMatchObject({ defaultLimits: { cps: 10, maxConcurrent: 100 }, trunks: {}, queueMaxLength: 500, queueTimeoutMs: 30_000 });
    expect(config.scaleOut).toEqual({ heartbeatMs: 2_000, instanceTtlMs: 10_000, sweepMs: 2_000 });
  });

  it('takes a redis store from PBXVERIFY_STORE and insists on a shared secret', () => {
    expect(() => loadConfig({ ...base, env: { PBXVERIFY_STORE: 'redis://127.0.0.1:6379/0' } })).toThrow(/secret: required with a shared store/);
    const { config } = loadConfig({ ...base, env: { PBXVERIFY_STORE: 'redis://127.0.0.1:6379/2', PBXVERIFY_SECRET: 'x'.repeat(32) } });
    expect(config.store).toBe('redis://127.0.0.1:6379/2');
  });

  it('refuses a liveness timeout shorter than two heartbeats', () => {
    try {
      loadConfig({ ...base, env: { PBXVERIFY_CONFIG: `${__dirname}/fixtures/bad-scale-out.json` } });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual(
        expect.arrayContaining([
          'scaleOut.instanceTtlMs: instanceTtlMs must be at least twice heartbeatMs',
          expect.stringMatching(/^dialer\.trunks\.carrier\.cps: /),
        ]),
      );
    }
  });
});
