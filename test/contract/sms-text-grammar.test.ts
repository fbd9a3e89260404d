/**
 * One grammar for SMS senders, brands and templates (issue 11, item 8): every value the API
 * accepts is accepted by both drivers' validators, and every value they accept is accepted by
 * the API. "The API" is the whole native path: the request schema (zod) and the start policy.
 * The corpus is generated from a seeded PRNG (fast-check is not a dependency of this project):
 * a failure prints the seed and the value.
 */
import { startBody } from '../../src/api/routes/verifications';
import { apiKeySchema } from '../../src/config/schema';
import { BRAND_MAX, CODE_DIGITS_MAX, renderTemplate, TEMPLATE_MAX } from '../../src/lib/sms-text';
import { messageProblem } from '../../src/pbx/asterisk-ari/dial-string';
import { chatCommand } from '../../src/pbx/freeswitch-esl/commands';
import { CodeVault } from '../../src/verification/codes';
import { buildStart, type StartInput, type StartPolicy } from '../../src/verification/start-request';
import { PRESET_WORKFLOWS } from '../../src/verification/workflows';

const SEED = 0x5eed_0b11;
const TO = '+12025550100';
const vault = new CodeVault('contract-test-engine-secret-0123456789abcdef');
const key = apiKeySchema.parse({ id: 'k', secret: 'k-secret-0123456789abcdef' });
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

/** Accepted by the native API: the request schema, then the start policy. */
function apiAccepts(fields: { sender?: string; brand?: string; message_template?: string }): boolean {
  const body = { to: TO, channel: 'sms' as const, ...fields };
  if (!startBody.safeParse(body).success) return false;
  const input: StartInput = { to: TO, channel: 'sms', sender: fields.sender, brand: fields.brand, messageTemplate: fields.message_template };
  try {
    buildStart(input, key, policy, vault, { id: 'a'.repeat(32), now: 1_800_000_000_000 });
    return true;
  } catch {
    return false;
  }
}

const ari = (from: string, body: string): boolean => messageProblem({ from, body }) === undefined;
function esl(from: string, body: string): boolean {
  try {
    chatCommand({ to: 'qa/sip:+12025550100@127.0.0.1:5090', from, body });
    return true;
  } catch {
    return false;
  }
}

/** mulberry32: small, seeded, good enough to spread a corpus. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUNCT = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const UNICODE = ['é', 'ß', 'ж', '中', 'ا', '😀', '\u00a0', '\u200d', '\ufeff', '\u2028', '\u2029', '\u202e', '\u2066', '\ud800', '\udfff'];
const CONTROL = ['\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f'];

function generator(seed: number) {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[] | string): T => items[Math.floor(rand() * items.length)] as T;
  const char = (): string => {
    const r = rand();
    if (r < 0.55) return pick<string>(ALNUM);
    if (r < 0.8) return pick<string>(PUNCT);
    if (r < 0.93) return pick(UNICODE);
    return pick(CONTROL);
  };
  const text = (maxLength: number): string => {
    let out = '';
    for (let n = Math.floor(rand() * (maxLength + 1)); n > 0; n--) out += char();
    return out;
  };
  const sender = (): string => {
    const r = rand();
    if (r < 0.3) return `${rand() < 0.5 ? '+' : ''}${Array.from({ length: 1 + Math.floor(rand() * 17) }, () => pick<string>('0123456789')).join('')}`;
    if (r < 0.7) return Array.from({ length: 1 + Math.floor(rand() * 13) }, () => (rand() < 0.85 ? pick<string>(ALNUM) : pick<string>('._- &'))).join('');
    return text(14);
  };
  const template = (): string => {
    const parts: string[] = [];
    const n = Math.floor(rand() * 12);
    for (let i = 0; i < n; i++) {
      const r = rand();
      parts.push(r < 0.2 ? '{code}' : r < 0.3 ? '{brand}'.repeat(1 + Math.floor(rand() * 40)) : r < 0.4 ? 'x'.repeat(Math.floor(rand() * 300)) : r < 0.5 ? text(6) : 'Your code is ');
    }
    return parts.join('');
  };
  return { text, sender, template };
}

const ISSUE_SENDERS = ['A&B', '-Shop', '.', ' ', 'My Shop', 'x&body=hack', 'a|b'];

describe('one grammar for SMS senders, brands and templates (API ⇔ ARI ⇔ ESL)', () => {
  const gen = generator(SEED);

  it('accepts a sender at the API exactly when both drivers accept it', () => {
    const corpus = [...ISSUE_SENDERS, 'pbxverify', 'Shop.x', 'My-Shop_1', '+442037691880', '12345', ...Array.from({ length: 3000 }, gen.sender)];
    let accepted = 0;
    const disagreements = [];
    for (const sender of corpus) {
      const verdicts = { sender, api: apiAccepts({ sender }), ari: ari(sender, 'Your code is 123456'), esl: esl(sender, 'Your code is 123456') };
      if (verdicts.api !== verdicts.ari || verdicts.ari !== verdicts.esl) disagreements.push(verdicts);
      if (verdicts.api) accepted++;
    }
    expect({ seed: SEED, disagreements }).toEqual({ seed: SEED, disagreements: [] });
    // the corpus has both sides in quantity, or the test proves nothing
    expect(accepted).toBeGreaterThan(500);
    expect(corpus.length - accepted).toBeGreaterThan(500);
    for (const sender of ISSUE_SENDERS) expect({ sender, api: apiAccepts({ sender }) }).toEqual({ sender, api: false });
  });

  it('accepts a brand at the API exactly when both drivers send a body with it', () => {
    const corpus = ['Shop\u0000', 'Shop\n', 'Acme', 'Ünïcødé 中文 😀', ...Array.from({ length: 3000 }, () => gen.text(36))];
    let accepted = 0;
    const disagreements = [];
    for (const brand of corpus) {
      const body = renderTemplate('Your {brand} code is {code}', { brand, code: '123456' });
      const verdicts = { brand, api: apiAccepts({ brand }), ari: ari('pbxverify', body), esl: esl('pbxverify', body) };
      const sized = brand.length >= 1 && brand.length <= BRAND_MAX && /\S/.test(brand);
      if (verdicts.ari !== verdicts.esl || verdicts.api !== (sized && verdicts.ari)) disagreements.push(verdicts);
      if (verdicts.api) accepted++;
    }
    expect({ seed: SEED, disagreements }).toEqual({ seed: SEED, disagreements: [] });
    expect(accepted).toBeGreaterThan(300);
    expect(apiAccepts({ brand: 'Shop\u0000' })).toBe(false);
  });

  it('accepts a template at the API exactly when both drivers send it rendered with the longest brand and code', () => {
    const longest = { brand: 'B'.repeat(BRAND_MAX), code: '9'.repeat(CODE_DIGITS_MAX) };
    const corpus = ['Your {brand} code is {code}', 'hello', `{code}${'{brand}'.repeat(40)}`, `{code}${'x'.repeat(500)}`, ...Array.from({ length: 1500 }, gen.template)];
    let accepted = 0;
    const disagreements = [];
    for (const template of corpus) {
      const body = renderTemplate(template, longest);
      const verdicts = { template, api: apiAccepts({ message_template: template }), ari: ari('pbxverify', body), esl: esl('pbxverify', body) };
      const shaped = template.includes('{code}') && template.length <= TEMPLATE_MAX;
      if (verdicts.ari !== verdicts.esl || verdicts.api !== (shaped && verdicts.ari)) disagreements.push(verdicts);
      if (verdicts.api) accepted++;
    }
    expect({ seed: SEED, disagreements }).toEqual({ seed: SEED, disagreements: [] });
    expect(accepted).toBeGreaterThan(100);
    expect(corpus.length - accepted).toBeGreaterThan(100);
  });

  it('holds the two drivers to the same bodies', () => {
    // mostly short texts (where the characters decide), some around the length limit
    const bodies = Array.from({ length: 3000 }, () => (gen.text(1) === '' ? 'x'.repeat(990) + gen.text(20) : gen.text(40)));
    const disagreements = bodies.filter((body) => ari('pbxverify', body) !== esl('pbxverify', body));
    expect({ seed: SEED, disagreements }).toEqual({ seed: SEED, disagreements: [] });
    expect(bodies.filter((body) => ari('pbxverify', body)).length).toBeGreaterThan(100);
  });
});
