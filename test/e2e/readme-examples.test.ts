import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { eventually } from '../support/api-client';
import { ROOT, startEngine, type EngineProcess } from '../support/engine-process';

/**
 * Runs every ```sh block of README.md, in order, as a reader would on the embedded defaults,
 * except blocks marked `<!-- readme-test: skip (reason) -->`. Each command runs in one bash
 * session (variables carry over); a `# → 201 {"status":"pending",…}` line under a command is its
 * expected HTTP status and fields (`…` matches anything), `# → exit N` its exit code; a command
 * without one must exit 0. Commands that keep running are started here instead:
 * `npm start` as the built engine (test/support/engine-process.ts) with the README's `export`s,
 * and `npx pbxverify webhooks listen` from the package bin. Deviations from typing the README:
 * ports 8080 and 8089 become free ones; `npx pbxverify` runs bin/pbxverify.js directly (what npx
 * runs inside the clone, checked by cli-first-use.test.ts; npm itself costs seconds per call);
 * GET requests whose expectation is not met yet are repeated for up to a minute, because the
 * simulated calls take real seconds. Needs curl and jq, as the README says (scripts/test-deps.sh
 * provisions them).
 */

interface Example {
  command: string;
  expect: string | undefined;
  line: number;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```sh') continue;
    let before = i - 1;
    while (before >= 0 && lines[before]?.trim() === '') before--;
    const skip = /^<!-- readme-test: skip/.test(lines[before]?.trim() ?? '');
    let j = i + 1;
    for (; j < lines.length && lines[j]?.trim() !== '```'; j++) {
      if (skip) continue;
      const text = lines[j] ?? '';
      const expectation = /^#\s*→\s*(.+)$/.exec(text.trim());
      if (expectation) {
        const last = out.at(-1);
        if (!last || last.expect !== undefined) throw new Error(`README.md:${j + 1}: an expectation with no command above it`);
        last.expect = expectation[1];
        continue;
      }
      if (text.trim() === '' || text.trim().startsWith('#')) continue;
      let command = text;
      const line = j + 1;
      while (command.trimEnd().endsWith('\\')) command = `${command.trimEnd().slice(0, -1)} ${(lines[++j] ?? '').trim()}`;
      out.push({ command, expect: undefined, line });
    }
    i = j;
  }
  return out;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** HTTP statuses of the curl requests the command made. */
  statuses: number[];
}

/** One bash session: commands run in order, each returning its own output and status. */
class Shell {
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';

  /** `headers`: the file curl dumps response headers to (the test's .curlrc), read for statuses. */
  constructor(
    env: Record<string, string>,
    private readonly headers: string,
  ) {
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd: ROOT, env });
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  async run(command: string): Promise<Result> {
    this.stdout = '';
    this.stderr = '';
    rmSync(this.headers, { force: true });
    this.child.stdin.write(`${command}\n__rc=$?; printf '\\n@@end %s\\n' "$__rc"; printf '\\n@@end\\n' >&2\n`);
    const done = await eventually(
      async () => {
        const out = /\n@@end (\d+)\n$/.exec(this.stdout);
        return out && this.stderr.endsWith('\n@@end\n') ? Number(out[1]) : undefined;
      },
      `\`${command}\` to finish`,
      120_000,
    );
    const headers = existsSync(this.headers) ? readFileSync(this.headers, 'utf8') : '';
    return {
      code: done,
      stdout: this.stdout.replace(/\n@@end \d+\n$/, ''),
      stderr: this.stderr.replace(/\n@@end\n$/, ''),
      statuses: [...headers.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1])),
    };
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

/** `"key":value` pairs of an expectation; a string value may hold `…` for "anything". */
function expectedPairs(text: string): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [];
  for (const m of text.matchAll(/"([A-Za-z_]+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g)) {
    pairs.push([m[1] as string, JSON.parse(m[2] as string)]);
  }
  return pairs;
}

/** Whether some property `key` anywhere in `value` matches `expected`. */
function hasPair(value: unknown, key: string, expected: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => hasPair(v, key, expected));
  if (!value || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) {
    if (k === key && matches(v, expected)) return true;
    if (hasPair(v, key, expected)) return true;
  }
  return false;
}

function matches(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'string' && expected.includes('…') && typeof actual === 'string') {
    const pattern = expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${pattern.join('.*')}$`, 's').test(actual);
  }
  return actual === expected;
}

/** What is wrong with a result, or undefined when it meets the expectation. */
function mismatch(result: Result, expectation: string | undefined): string | undefined {
  const { statuses } = result;
  const exit = /^exit (\d+)/.exec(expectation ?? '');
  if (exit) return result.code === Number(exit[1]) ? undefined : `exit ${result.code}, expected ${exit[1]}`;
  if (result.code !== 0) return `exit ${result.code}: ${result.stderr.slice(0, 300)}`;
  if (expectation === undefined) return statuses.every((s) => s < 300) ? undefined : `HTTP ${statuses.join(', ')}`;
  const status = /^(\d{3})\b/.exec(expectation);
  if (!status) return `unreadable expectation "${expectation}"`;
  if (statuses.at(-1) !== Number(status[1])) return `HTTP ${statuses.join(', ') || 'none'}, expected ${status[1]}`;
  const pairs = expectedPairs(expectation);
  if (!pairs.length) return undefined;
  const text = result.stdout.trim() || result.stderr.trim();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const missing = pairs.filter(([k, v]) => !hasPair(body, k, v));
  return missing.length ? `no ${missing.map(([k, v]) => `"${k}":${JSON.stringify(v)}`).join(', ')} in ${text.slice(0, 600)}` : undefined;
}

describe('README examples (e2e)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbxverify-readme-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, CURL_HOME: dir };
  let shell: Shell;
  let engine: EngineProcess | undefined;
  let listener: ChildProcessWithoutNullStreams | undefined;
  const heard: string[] = [];
  const ports: Record<string, string> = {};

  beforeAll(async () => {
    // response headers to a file, so pipes and $(…) see only the body: the test reads the status
    // there, a reader never sees it
    const headers = join(dir, 'headers');
    writeFileSync(join(dir, '.curlrc'), `silent\nshow-error\ndump-header = "${headers}"\n`);
    shell = new Shell(env, headers);
    // stderr a pipe as on a terminal's shell (node gives sockets, which /dev/stderr cannot open)
    await shell.run(`exec 2> >(cat >&2); set -o pipefail; npx() { if [ "$1" = pbxverify ]; then shift; node ${JSON.stringify(join(ROOT, 'bin/pbxverify.js'))} "$@"; else command npx "$@"; fi; }`);
  });
  afterAll(async () => {
    shell?.stop();
    listener?.kill('SIGTERM');
    await engine?.stop();
  });

  const withPorts = (command: string): string =>
    command
      .replace(/localhost:8080\b/g, `127.0.0.1:${ports.engine ?? '8080'}`)
      .replace(/127\.0\.0\.1:8089\b/g, `127.0.0.1:${ports.listener ?? '8089'}`)
      .replace(/--port 8089\b/g, '--port 0');

  async function startListener(command: string): Promise<void> {
    const args = withPorts(command).replace(/^npx pbxverify /, '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [join(ROOT, 'bin/pbxverify.js'), ...args], { cwd: ROOT, env: { ...exported(), PATH: env.PATH as string } });
    listener = child;
    createInterface({ input: child.stdout }).on('line', (l) => heard.push(l));
    ports.listener = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stderr }).on('line', (l) => {
        const m = /^listening on http:\/\/127\.0\.0\.1:(\d+):/.exec(l);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`webhooks listen exited with ${code}`)));
    });
  }

  const exports: Record<string, string> = {};
  const exported = (): Record<string, string> => ({ ...exports });

  it('finds the quick start and the CLI examples in the README', () => {
    const commands = examples(README).map((e) => e.command);
    expect(commands).toEqual(expect.arrayContaining(['npm start', 'npx pbxverify webhooks listen --port 8089 --key demo']));
    expect(commands.filter((c) => c.includes('/v1/verifications')).length).toBeGreaterThanOrEqual(9);
    // every example starts its own number: none answers 409
    const numbers = commands.filter((c) => /-d '\{"to"/.test(c)).map((c) => /"to":"(\+\d+)"/.exec(c)?.[1]);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it.each(examples(README).map((e) => [`README.md:${e.line}`, e] as const))('runs %s', async (_where, example) => {
    const command = example.command.trim();
    const assignment = /^export ([A-Z_]+)='([^']*)'/.exec(command);
    if (assignment) exports[assignment[1] as string] = assignment[2] as string;
    if (/^npm start\b/.test(command)) {
      engine = await startEngine(exported());
      ports.engine = String(engine.port);
      return;
    }
    if (/^npx pbxverify webhooks listen\b/.test(command)) {
      await startListener(command);
      return;
    }
    const repeatable = /^curl\b/.test(command) && !/ -X POST | -d /.test(command);
    const deadline = Date.now() + 60_000;
    let problem = mismatch(await shell.run(withPorts(command)), example.expect);
    while (problem !== undefined && repeatable && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      problem = mismatch(await shell.run(withPorts(command)), example.expect);
    }
    expect({ command, problem }).toEqual({ command, problem: undefined });
  }, 120_000);

  it('showed every webhook of the examples in the listener, each with its signature verified', async () => {
    await eventually(async () => (heard.filter((l) => l.includes('verification.')).length >= 4 ? true : undefined), 'the last webhooks', 30_000);
    expect(heard.filter((l) => / verification\.approved /.test(l))).toHaveLength(3);
    expect(heard.filter((l) => / verification\.canceled /.test(l))).toHaveLength(1);
    expect(heard.filter((l) => / attempt\.completed /.test(l)).length).toBeGreaterThanOrEqual(4);
    expect(heard.filter((l) => !l.endsWith('signature verified'))).toEqual([]);
  }, 60_000);
});
