/**
 * docker/, checked statically (no Docker engine runs where the tests run): the images build from a
 * clean checkout (every file they copy is tracked in git, nothing a developer's machine alone has
 * gets in), on a supported Node.js LTS line that satisfies package.json's engines, and every
 * compose file points at build contexts, Dockerfiles and mounted paths that exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');
const DOCKER = join(ROOT, 'docker');
const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean));
const dockerfiles = readdirSync(DOCKER).filter((f) => f.endsWith('.Dockerfile'));
const composeFiles = readdirSync(DOCKER).filter((f) => /^compose.*\.ya?ml$/.test(f));

/** Node.js release lines with their end of life (nodejs/Release schedule). */
const NODE_EOL: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30', 26: '2029-04-30' };

interface Instruction {
  op: string;
  args: string;
}

function instructions(file: string): Instruction[] {
  const text = readFileSync(join(DOCKER, file), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Whether `path` (relative to the repository root) is tracked, as a file or a folder with tracked files. */
function isTracked(path: string): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  if (tracked.has(clean)) return true;
  for (const file of tracked) if (file.startsWith(`${clean}/`)) return true;
  return false;
}

describe('docker images', () => {
  it.each(dockerfiles)('%s copies only files tracked in git', (file) => {
    const sources = instructions(file)
      .filter((i) => (i.op === 'COPY' || i.op === 'ADD') && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((src) => !isTracked(src))).toEqual([]);
  });

  it('builds the engine on a Node.js LTS line that is supported today and satisfies "engines"', () => {
    const froms = instructions('pbxverify.Dockerfile').filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThan(0);
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const minimum = Number(/>=\s*(\d+)/.exec(engines)?.[1]);
    for (const from of froms) {
      const major = Number(/^node:(\d+)/.exec(from.args)?.[1]);
      expect(NODE_EOL[major]).toBeDefined();
      expect(major % 2).toBe(0); // even lines are the LTS ones
      expect(major).toBeGreaterThanOrEqual(minimum);
      expect(Date.parse(NODE_EOL[major] ?? '1970-01-01')).toBeGreaterThan(Date.now());
    }
  });

  it('copies into the build stage every file and folder `npm run build` reads (tsc projects, the console UI)', () => {
    const build = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;
    const read = [...build.matchAll(/(?:-p|--project|--config)\s+(\S+)/g)].map((m) => (m[1] as string).split('/')[0] as string);
    const steps = instructions('pbxverify.Dockerfile');
    const buildAt = steps.findIndex((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args));
    const copied = steps
      .slice(0, buildAt)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((src) => src.replace(/^\.\//, '').replace(/\/$/, '').split('/')[0]);
    expect(read).toEqual(expect.arrayContaining(['tsconfig.build.json', 'console']));
    expect(read.filter((path) => !copied.includes(path))).toEqual([]);
    expect(copied).toContain('src');
  });

  it('installs from the committed lock with npm ci and never copies node_modules or dist from the host', () => {
    const steps = instructions('pbxverify.Dockerfile');
    expect(steps.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args))).toBe(true);
    expect(steps.some((i) => i.op === 'RUN' && /\bnpm install\b/.test(i.args))).toBe(false);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', 'data', '.git', 'pbxverify.yaml']) expect(ignore).toContain(entry);
  });

  it('listens on every interface inside the container (the engine binds 127.0.0.1 elsewhere by default)', () => {
    const env = instructions('pbxverify.Dockerfile').filter((i) => i.op === 'ENV').map((i) => i.args);
    expect(env).toContain('PBXVERIFY_HOST=0.0.0.0');
  });
});

describe.each(composeFiles)('docker/%s', (file) => {
  type Service = { image?: string; build?: { context: string; dockerfile: string }; volumes?: string[] };
  const compose = parse(readFileSync(join(DOCKER, file), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const services = Object.entries(compose.services);

  it('gives every service an image or a build', () => {
    expect(services.length).toBeGreaterThan(0);
    for (const [, service] of services) expect(Boolean(service.image) !== Boolean(service.build)).toBe(true);
  });

  it('builds from the repository root with Dockerfiles that exist', () => {
    for (const [, service] of services) {
      if (!service.build) continue;
      expect(resolve(DOCKER, service.build.context)).toBe(resolve(ROOT));
      expect(existsSync(join(ROOT, service.build.dockerfile))).toBe(true);
    }
  });

  it('mounts host paths that are tracked, or named volumes it declares', () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const host = volume.split(':')[0] ?? '';
        if (host.startsWith('.') || host.startsWith('/')) {
          expect(isTracked(join('docker', host).replace(/^docker\/\.\.\//, ''))).toBe(true);
        } else {
          expect(Object.keys(compose.volumes ?? {})).toContain(host);
        }
      }
    }
  });
});
