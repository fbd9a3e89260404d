import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { pbxNodeNames, routingProblems } from './routing-schema';
import { configSchema, type Config } from './schema';
import { configErrorMap, issueProblems, unknownVariables } from './unknown-keys';

export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown when configuration is invalid; lists every problem at once. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Explicit file (`--config`); otherwise PBXVERIFY_CONFIG, otherwise ./pbxverify.yaml if present. */
  file?: string | undefined;
  env: Env;
  cwd: string;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file actually read, if any. */
  file: string | undefined;
}

/** Environment variables and where they land in the schema. */
export const ENV_VARS: ReadonlyArray<{ name: string; path: string; description: string }> = [
  { name: 'PBXVERIFY_CONFIG', path: '(file)', description: 'configuration file (YAML or JSON); default ./pbxverify.yaml if present' },
  { name: 'PBXVERIFY_PORT', path: 'port', description: 'HTTP port (default 8080; 0 picks a free one)' },
  { name: 'PBXVERIFY_HOST', path: 'host', description: 'HTTP bind address (default 127.0.0.1; 0.0.0.0 to serve every interface)' },
  { name: 'NODE_ENV', path: 'production', description: '`production` refuses to start with the development key (no API key configured)' },
  { name: 'PBXVERIFY_DEV_KEY_FILE', path: 'devKeyFile', description: 'file for the development key when no terminal shows it (default data/dev-key.txt, mode 0600)' },
  { name: 'PBXVERIFY_METRICS_TOKEN', path: 'metrics.token', description: 'bearer token /metrics then requires (≥ 16 characters)' },
  { name: 'PBXVERIFY_METRICS_PORT', path: 'metrics.port', description: 'a separate listener for /metrics only (the API port then stops serving it)' },
  { name: 'PBXVERIFY_METRICS_HOST', path: 'metrics.host', description: 'bind address of the metrics listener (default 127.0.0.1)' },
  { name: 'PBXVERIFY_STORE', path: 'store', description: '`memory` (default), redis://host:port/db, rediss://… or redis-sentinel://host:port,…/db?name=<primary>' },
  { name: 'PBXVERIFY_PBX', path: 'pbx', description: '`simulator` (default), ari://user:pass@host:8088/app or esl://:password@host:8021; several separated by spaces' },
  { name: 'PBXVERIFY_API_KEYS', path: 'apiKeys', description: 'id:secret[,id:secret]; sets the secret of a key defined in the file, or adds a key with default settings' },
  { name: 'PBXVERIFY_SECRET', path: 'secret', description: 'HMAC/sealing key for codes (≥ 32 characters); random per process when unset' },
  { name: 'PBXVERIFY_LOG_LEVEL', path: 'logLevel', description: 'fatal|error|warn|info|debug|trace|silent' },
  { name: 'PBXVERIFY_LOG_PRETTY', path: 'logPretty', description: '1 for human-readable logs' },
  { name: 'PBXVERIFY_TRUNK', path: 'calls.trunk', description: 'trunk put into {trunk} of the dial string: a PJSIP endpoint (Asterisk) or a gateway (FreeSWITCH)' },
  { name: 'PBXVERIFY_CALLER_ID', path: 'calls.defaultCallerId', description: 'caller ID of calls whose request names none' },
  { name: 'PBXVERIFY_ASTERISK_ENDPOINT_TEMPLATE', path: 'asterisk.endpointTemplate', description: 'Asterisk dial string, default PJSIP/{number}@{trunk}' },
  { name: 'PBXVERIFY_ASTERISK_MESSAGE_TEMPLATE', path: 'asterisk.messageTemplate', description: 'Asterisk SIP MESSAGE destination (SMS), e.g. pjsip:{trunk}/sip:{number}@sms.example.net' },
  { name: 'PBXVERIFY_FREESWITCH_DIAL_STRING', path: 'freeswitch.dialString', description: 'FreeSWITCH dial string, default sofia/gateway/{trunk}/{number}' },
  { name: 'PBXVERIFY_FREESWITCH_SOUNDS_DIR', path: 'freeswitch.soundsDir', description: 'sounds directory on the FreeSWITCH host (prompts under pbxverify/)' },
  { name: 'PBXVERIFY_FREESWITCH_CHAT_TO', path: 'freeswitch.chatTo', description: 'FreeSWITCH SIP MESSAGE destination (SMS), e.g. external/sip:{number}@sms.example.net' },
  { name: 'PBXVERIFY_WEBHOOK_ALLOW_NETWORKS', path: 'webhooks.allowNetworks', description: 'CIDR ranges callback URLs may target although private, comma separated' },
  { name: 'PBXVERIFY_SIMULATOR_SPEED', path: 'simulator.speed', description: 'time compression of simulated calls (default 1)' },
  { name: 'PBXVERIFY_HISTORY', path: 'history.url', description: '`sqlite:./data/pbxverify.db` (default), postgres://user:pass@host/db, or `off`' },
  { name: 'PBXVERIFY_ABUSE_CONTROLS', path: 'abuse.enabled', description: '`off` disables every abuse control (load tests and benchmarks only)' },
  { name: 'PBXVERIFY_TEST_CLOCK', path: 'testing.manualClock', description: '`manual` enables the test clock endpoint (tests only)' },
];

function readFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`config file ${path}: ${(err as Error).message}`);
    return {};
  }
  try {
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${path}: must contain a mapping at the top level`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    problems.push(`config file ${path}: ${(err as Error).message.split('\n')[0] ?? 'parse error'}`);
    return {};
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function parseKeys(raw: string, problems: string[]): Array<{ id: string; secret: string }> {
  const keys: Array<{ id: string; secret: string }> = [];
  for (const [i, entry] of raw.split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1) {
      problems.push(`PBXVERIFY_API_KEYS entry ${i + 1}: must be id:secret`);
      continue;
    }
    keys.push({ id: entry.slice(0, colon), secret: entry.slice(colon + 1) });
  }
  return keys;
}

function applyEnv(raw: Record<string, unknown>, env: Env, problems: string[]): void {
  const direct: Array<[string, string]> = [
    ['PBXVERIFY_PORT', 'port'],
    ['PBXVERIFY_HOST', 'host'],
    ['PBXVERIFY_STORE', 'store'],
    ['PBXVERIFY_SECRET', 'secret'],
    ['PBXVERIFY_LOG_LEVEL', 'logLevel'],
    ['PBXVERIFY_SIMULATOR_SPEED', 'simulator.speed'],
    ['PBXVERIFY_DEV_KEY_FILE', 'devKeyFile'],
    ['PBXVERIFY_METRICS_TOKEN', 'metrics.token'],
    ['PBXVERIFY_METRICS_PORT', 'metrics.port'],
    ['PBXVERIFY_METRICS_HOST', 'metrics.host'],
    ['PBXVERIFY_HISTORY', 'history.url'],
    ['PBXVERIFY_TRUNK', 'calls.trunk'],
    ['PBXVERIFY_CALLER_ID', 'calls.defaultCallerId'],
    ['PBXVERIFY_ASTERISK_ENDPOINT_TEMPLATE', 'asterisk.endpointTemplate'],
    ['PBXVERIFY_ASTERISK_MESSAGE_TEMPLATE', 'asterisk.messageTemplate'],
    ['PBXVERIFY_FREESWITCH_DIAL_STRING', 'freeswitch.dialString'],
    ['PBXVERIFY_FREESWITCH_SOUNDS_DIR', 'freeswitch.soundsDir'],
    ['PBXVERIFY_FREESWITCH_CHAT_TO', 'freeswitch.chatTo'],
  ];
  for (const [name, path] of direct) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, value);
  }
  if (env.NODE_ENV === 'production') raw.production = true;
  if (env.PBXVERIFY_LOG_PRETTY) raw.logPretty = /^(1|true|yes)$/i.test(env.PBXVERIFY_LOG_PRETTY);
  if (env.PBXVERIFY_PBX) raw.pbx = env.PBXVERIFY_PBX.split(/[\s,]+/).filter(Boolean);
  if (env.PBXVERIFY_WEBHOOK_ALLOW_NETWORKS) {
    setPath(raw, 'webhooks.allowNetworks', env.PBXVERIFY_WEBHOOK_ALLOW_NETWORKS.split(',').map((s) => s.trim()).filter(Boolean));
  }
  if (env.PBXVERIFY_ABUSE_CONTROLS) {
    if (!/^(on|off)$/.test(env.PBXVERIFY_ABUSE_CONTROLS)) problems.push('PBXVERIFY_ABUSE_CONTROLS: must be "on" or "off" when set');
    else setPath(raw, 'abuse.enabled', env.PBXVERIFY_ABUSE_CONTROLS === 'on');
  }
  if (env.PBXVERIFY_TEST_CLOCK) {
    if (env.PBXVERIFY_TEST_CLOCK !== 'manual') problems.push('PBXVERIFY_TEST_CLOCK: must be "manual" when set');
    else setPath(raw, 'testing.manualClock', true);
  }
  if (env.PBXVERIFY_API_KEYS) {
    const fromFile = Array.isArray(raw.apiKeys) ? (raw.apiKeys as Array<Record<string, unknown>>) : [];
    const merged = fromFile.map((k) => ({ ...k }));
    for (const { id, secret } of parseKeys(env.PBXVERIFY_API_KEYS, problems)) {
      const existing = merged.find((k) => k.id === id);
      if (existing) existing.secret = secret;
      else merged.push({ id, secret });
    }
    raw.apiKeys = merged;
  }
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** Loads, validates and freezes the configuration. Throws {@link ConfigError} listing every problem. */
export function loadConfig(opts: LoadOptions): LoadedConfig {
  const problems: string[] = [];
  const explicit = opts.file ?? opts.env.PBXVERIFY_CONFIG;
  let file: string | undefined;
  let raw: Record<string, unknown> = {};
  if (explicit) {
    file = explicit;
    raw = readFile(explicit, problems);
  } else {
    const fallback = `${opts.cwd}/pbxverify.yaml`;
    if (existsSync(fallback)) {
      file = fallback;
      raw = readFile(fallback, problems);
    }
  }
  problems.push(...unknownVariables(opts.env, ENV_VARS.map((v) => v.name)));
  applyEnv(raw, opts.env, problems);

  const result = configSchema.safeParse(raw, { error: configErrorMap });
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...issueProblems(issue));
  }
  if (result.success) problems.push(...crossChecks(result.data));
  if (problems.length || !result.success) throw new ConfigError(problems);
  return { config: deepFreeze(result.data), file };
}

function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, key] of config.apiKeys.entries()) {
    if (seen.has(key.id)) problems.push(`apiKeys.${i}.id: duplicate key id "${key.id}"`);
    seen.add(key.id);
  }
  if (config.sentinels && !/^rediss?:\/\//.test(config.store)) {
    problems.push('sentinels: needs store: redis://[user:password@]<primary name>/db (or rediss://), the primary the sentinels monitor');
  }
  if (config.store !== 'memory' && !config.secret) {
    problems.push('secret: required with a shared store (codes must verify on every engine and after restarts)');
  }
  const kinds = new Set(config.pbx.map((u) => u.split(':')[0]));
  if (kinds.size > 1) problems.push('pbx: all PBX URLs must be of one kind (simulator, ari or esl)');
  const gatewayNames = new Set(['pbx']);
  for (const [i, gateway] of config.smsGateways.entries()) {
    if (gatewayNames.has(gateway.name)) problems.push(`smsGateways.${i}.name: duplicate or reserved gateway name "${gateway.name}"`);
    gatewayNames.add(gateway.name);
  }
  for (const used of config.sms.gateways ?? [config.sms.gateway]) {
    if (!gatewayNames.has(used)) problems.push(`sms.gateways: no gateway named "${used}" (pbx or a name from smsGateways)`);
  }
  const callsBack = config.smsGateways.some((g) => g.kind === 'kannel' || g.kind === 'http');
  if (callsBack && config.sms.publicUrl === undefined) problems.push('sms.publicUrl: required with kannel or http gateways (their delivery receipts call it)');
  problems.push(...routingProblems(config.trunks, config.routes, gatewayNames));
  const nodes = pbxNodeNames(config.pbx);
  for (const [i, trunk] of config.trunks.entries()) {
    for (const [j, node] of (trunk.nodes ?? []).entries()) {
      if (!nodes.includes(node)) problems.push(`trunks.${i}.nodes.${j}: no PBX node "${node}" (nodes: ${nodes.join(', ')})`);
    }
  }
  if (config.trunks.length > 0 && config.routes.length === 0) problems.push('routes: trunks are configured but no route uses them');
  return problems;
}

const SECRET_KEYS = new Set(['secret', 'webhookSecret', 'token', 'password', 'hmacSecret']);

/** A copy of the configuration with secrets and URL passwords replaced, for printing. */
export function redactConfig(config: Readonly<Config>): unknown {
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (key !== undefined && SECRET_KEYS.has(key) && typeof value === 'string') return '[redacted]';
    if (typeof value === 'string') return redactUrlPassword(value);
    if (Array.isArray(value)) return value.map((v) => walk(v, undefined));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    return value;
  };
  return walk(config, undefined);
}

/** `ari://user:pass@host` → `ari://user:[redacted]@host`. */
export function redactUrlPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:[redacted]@').replace(/([?&]sentinelPassword=)[^&]*/i, '$1[redacted]');
}
