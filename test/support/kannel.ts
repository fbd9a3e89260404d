/**
 * A real Kannel (Debian `kannel` + `kannel-extras`) for the tests: bearerbox and smsbox with a
 * generated configuration on free loopback ports, and Kannel's `fakesmsc` as the SMSC (it
 * prints every message it receives and makes Kannel report it delivered).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BEARERBOX = '/usr/sbin/bearerbox';
export const SMSBOX = '/usr/sbin/smsbox';
export const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class TestKannel {
  readonly dir = mkdtempSync(join(tmpdir(), 'pbxverify-kannel-'));
  readonly username = 'pbxverify';
  readonly password = 'kannel-secret';
  sendsmsPort = 0;
  /** Lines fakesmsc printed for the messages it received (`<from> <to> text <text>`). */
  readonly received: string[] = [];
  private readonly children: ChildProcess[] = [];

  get sendsmsUrl(): string {
    return `http://127.0.0.1:${this.sendsmsPort}/cgi-bin/sendsms`;
  }

  async start(): Promise<void> {
    const [admin, boxes, smsc, sendsms] = [await freePort(), await freePort(), await freePort(), await freePort()];
    this.sendsmsPort = sendsms;
    const conf = join(this.dir, 'kannel.conf');
    writeFileSync(
      conf,
      [
        'group = core',
        `admin-port = ${admin}`,
        'admin-password = admin-secret',
        'admin-interface = 127.0.0.1',
        `smsbox-port = ${boxes}`,
        'box-allow-ip = 127.0.0.1',
        'dlr-storage = internal',
        'log-level = 1',
        '',
        'group = smsc',
        'smsc = fake',
        'smsc-id = fake',
        `port = ${smsc}`,
        'connect-allow-ip = 127.0.0.1',
        '',
        'group = smsbox',
        'bearerbox-host = 127.0.0.1',
        `bearerbox-port = ${boxes}`,
        `sendsms-port = ${sendsms}`,
        'sendsms-interface = 127.0.0.1',
        'log-level = 1',
        '',
        'group = sendsms-user',
        `username = ${this.username}`,
        `password = ${this.password}`,
        'max-messages = 5',
        'concatenation = true',
        '',
      ].join('\n'),
    );
    this.spawn(BEARERBOX, [conf]);
    await waitForPort(boxes);
    this.spawn(SMSBOX, [conf]);
    const fake = this.spawn(FAKESMSC, ['-H', '127.0.0.1', '-r', String(smsc), '-m', '0', '1 2 text unused']);
    const onData = (chunk: Buffer): void => {
      for (const m of chunk.toString('utf8').matchAll(/Got message \d+: <([^>]*)>/g)) this.received.push(m[1] as string);
    };
    fake.stdout?.on('data', onData);
    fake.stderr?.on('data', onData);
    await waitForPort(sendsms);
  }

  async stop(): Promise<void> {
    for (const child of this.children.reverse()) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(cmd: string, args: string[]): ChildProcess {
    const child = spawn(cmd, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.resume();
    child.stderr?.resume();
    this.children.push(child);
    return child;
  }
}

async function waitForPort(port: number, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > end) throw new Error(`kannel: port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
