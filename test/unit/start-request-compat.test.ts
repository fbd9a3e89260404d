import { apiKeySchema } from '../../src/config/schema';
import { CodeVault } from '../../src/verification/codes';
import { AppError } from '../../src/lib/errors';
import type { WorkflowStep } from '../../src/verification/model';
import { buildStart, type StartInput, type StartPolicy } from '../../src/verification/start-request';
import { PRESET_WORKFLOWS } from '../../src/verification/workflows';

const T0 = 1_800_000_000_000;
const vault = new CodeVault('unit-test-engine-secret-0123456789abcdef');
const key = apiKeySchema.parse({ id: 'k', secret: 'k-secret-0123456789abcdef', allowCustomCode: true });
const policy: StartPolicy = {
  codeLength: 6,
  expirySeconds: 600,
  maxCheckAttempts: 5,
  defaultLang: 'en',
  defaultCallerId: undefined,
  defaultSender: 'pbxverify',
  defaultBrand: 'pbxverify',
  workflows: PRESET_WORKFLOWS,
  languageAvailable: (lang) => lang === 'en',
};
const start = (input: Partial<StartInput>) => buildStart({ to: '+12025550100', ...input }, key, policy, vault, { id: 'a'.repeat(32), now: T0 });
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
};

describe('start requests from compat adapters', () => {
  const steps: WorkflowStep[] = [
    { channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 125 },
    { channel: 'call', waitSeconds: 125, code: 'same', validitySeconds: 300 },
  ];

  it('takes a step list of its own under a label, with a code lifetime and a check limit', () => {
    const { record, number } = start({ workflow: 'vonage-5', steps, codeLifetimeSeconds: 240, maxChecks: 3 });
    expect(record).toMatchObject({ workflow: 'vonage-5', steps, codeLifetimeSeconds: 240, maxChecks: 3 });
    expect(record.codeExpiresAt - T0).toBe(240_000);
    expect(record.expiresAt - T0).toBe(425_000);
    expect(number).toMatchObject({ e164: '+12025550100', country: 'US' });
  });

  it('refuses step lists, lifetimes, check limits and metadata out of bounds', () => {
    expect(codeOf(() => start({ steps: [] }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ steps: [{ channel: 'fax' as 'sms', waitSeconds: 0, code: 'new' }] }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ steps: [{ channel: 'sms', waitSeconds: 7200, code: 'new' }] }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ steps: [{ channel: 'sms', waitSeconds: 0, code: 'new', validitySeconds: 0 }] }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ steps, workflow: 'Bad Label' }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ steps, channel: 'sms' }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ channel: 'sms', codeLifetimeSeconds: 59 }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ channel: 'sms', maxChecks: 0 }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ channel: 'sms', meta: { 'Not A Key': 'x' } }))).toBe('REQUEST_INVALID');
    expect(codeOf(() => start({ channel: 'sms', meta: { url: 'x'.repeat(2049) } }))).toBe('REQUEST_INVALID');
    expect(start({ channel: 'reverse', code: '34', meta: { calledin_secret: '' } }).record.meta).toEqual({ calledin_secret: '' });
  });
});
