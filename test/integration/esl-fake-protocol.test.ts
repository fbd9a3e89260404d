/**
 * The ESL fake against the byte-faithful wire captures of FreeSWITCH 1.10.12
 * (test/fixtures/esl/wire/*.frames.json): the same frames, headers in the same order, for the
 * handshake, a wrong password and failing api commands; events framed as FreeSWITCH frames them.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { FakeFreeSwitch } from '../fakes/esl/fake-freeswitch';
import { ESL_RECORDINGS } from '../fixtures/paths';

interface Frame {
  dir: 'c2s' | 's2c';
  command?: string;
  headers: Record<string, string>;
  body: string;
}

const wire = (name: string): Frame[] => JSON.parse(readFileSync(join(ESL_RECORDINGS, 'wire', `${name}.frames.json`), 'utf8')) as Frame[];
const templates = JSON.parse(readFileSync(join(ESL_RECORDINGS, 'templates.json'), 'utf8')) as {
  events: Record<string, Record<string, { headers: Array<[string, string]> }>>;
};

/** A raw client: sends commands, splits what comes back into frames exactly as the captures do. */
class RawClient {
  private buffer = Buffer.alloc(0);
  private readonly frames: Array<{ headers: Array<[string, string]>; body: string }> = [];
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const end = this.buffer.indexOf('\n\n');
        if (end < 0) break;
        const headers = this.buffer
          .subarray(0, end)
          .toString()
          .split('\n')
          .map((l): [string, string] => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]);
        const length = Number(headers.find(([k]) => k === 'Content-Length')?.[1] ?? 0);
        if (this.buffer.length < end + 2 + length) break;
        this.frames.push({ headers, body: this.buffer.subarray(end + 2, end + 2 + length).toString() });
        this.buffer = this.buffer.subarray(end + 2 + length);
      }
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  async next(): Promise<{ headers: Array<[string, string]>; body: string }> {
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('closed');
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.frames.shift() as { headers: Array<[string, string]>; body: string };
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }
}

/** Replays the client side of a capture and compares every server frame (headers in order, body). */
async function conformsTo(name: string, fake: FakeFreeSwitch, password: (recorded: string) => string): Promise<void> {
  const client = await RawClient.open(fake.port);
  for (const frame of wire(name)) {
    if (frame.dir === 'c2s') {
      const command = frame.command?.startsWith('auth ') ? `auth ${password(frame.command.slice(5))}` : frame.command;
      client.send(`${command}\n\n`);
      continue;
    }
    const got = await client.next();
    const expectedHeaders = Object.entries(frame.headers);
    if (frame.headers['Content-Type'] === 'api/response' && frame.body.startsWith('UP ')) {
      // `api status`: uptime and counters differ; the frame's shape must not.
      expect(got.headers.map(([k]) => k)).toEqual(expectedHeaders.map(([k]) => k));
      expect(got.body).toMatch(/^UP \d+ years.*\nFreeSWITCH \(Version 1\.10\.12-release {2}64bit\) is ready\n/s);
      continue;
    }
    expect(got).toEqual({ headers: expectedHeaders, body: frame.body });
  }
  await client.untilClosed();
}

describe('the ESL fake speaks like FreeSWITCH 1.10.12', () => {
  let fake: FakeFreeSwitch;
  beforeAll(async () => {
    fake = new FakeFreeSwitch({ heartbeatMs: 0, password: 'ClueCon' });
    await fake.start();
  });
  afterAll(() => fake.stop());

  it('handshake, subscriptions, api status and exit (connect-auth-subscribe)', async () => {
    await conformsTo('connect-auth-subscribe', fake, () => 'ClueCon');
  });

  it('refuses a wrong password with -ERR invalid and a disconnect notice (auth-bad-password)', async () => {
    await conformsTo('auth-bad-password', fake, (recorded) => recorded);
  });

  it('answers failing api commands with the same -ERR texts (api-err)', async () => {
    const frames = wire('api-err');
    const client = await RawClient.open(fake.port);
    for (const frame of frames) {
      if (frame.dir === 'c2s') client.send(`${frame.command}\n\n`);
      else if (frame.headers['Content-Type'] !== 'text/disconnect-notice') expect(await client.next()).toEqual({ headers: Object.entries(frame.headers), body: frame.body });
    }
    client.socket.end();
    // A client's FIN is answered with the notice before FreeSWITCH closes.
    expect(await client.next()).toEqual({ headers: [['Content-Type', 'text/disconnect-notice'], ['Content-Length', '67']], body: 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n' });
  });

  it('frames events and BACKGROUND_JOB as text/event-json, headers in the recorded order', async () => {
    const client = await RawClient.open(fake.port);
    await client.next();
    client.send('auth ClueCon\n\n');
    await client.next();
    client.send('event json CHANNEL_EXECUTE_COMPLETE CHANNEL_ANSWER BACKGROUND_JOB\n\n');
    await client.next();
    client.send('bgapi originate {origination_uuid=0f0e0d0c-0b0a-4908-8706-050403020100,originate_timeout=5}loopback/busy/qa &park()\n\n');
    const reply = await client.next();
    expect(reply.headers.map(([k]) => k)).toEqual(['Content-Type', 'Reply-Text', 'Job-UUID']);
    expect(reply.headers[1]?.[1]).toMatch(/^\+OK Job-UUID: [0-9a-f-]{36}$/);
    const job = await client.next();
    expect(job.headers.map(([k]) => k)).toEqual(['Content-Length', 'Content-Type']);
    expect(Number(job.headers[0]?.[1])).toBe(Buffer.byteLength(job.body));
    const body = JSON.parse(job.body) as Record<string, unknown>;
    expect(Object.values(body).every((v) => typeof v === 'string')).toBe(true);
    expect(Object.keys(body)).toEqual((templates.events.BACKGROUND_JOB?.none?.headers ?? []).map(([k]) => k));
    expect(body).toMatchObject({ 'Event-Name': 'BACKGROUND_JOB', 'Job-Command': 'originate', 'Content-Length': '15', _body: '-ERR USER_BUSY\n' });

    client.send('bgapi originate {origination_uuid=1f0e0d0c-0b0a-4908-8706-050403020100}loopback/answer-silent/qa &park()\nJob-UUID: 11111111-2222-4333-8444-555555555555\n\n');
    // With a Job-UUID of the client's, FreeSWITCH 1.10.12 replies `+OK Job-UUID` (probed).
    expect((await client.next()).headers).toEqual([['Content-Type', 'command/reply'], ['Reply-Text', '+OK Job-UUID'], ['Job-UUID', '11111111-2222-4333-8444-555555555555']]);
    const answer = JSON.parse((await client.next()).body) as Record<string, string>;
    const recorded = (templates.events.CHANNEL_ANSWER?.a?.headers ?? []).map(([k]) => k).filter((k) => k !== 'variable_*');
    expect(Object.keys(answer).filter((k) => !k.startsWith('variable_'))).toEqual(recorded);
    expect(answer).toMatchObject({ 'Event-Name': 'CHANNEL_ANSWER', 'Unique-ID': '1f0e0d0c-0b0a-4908-8706-050403020100', 'Answer-State': 'answered' });
    client.send('api uuid_kill 1f0e0d0c-0b0a-4908-8706-050403020100\n\n');
    client.socket.destroy();
  });

  it('sends only events matching a filter once one is set', async () => {
    const client = await RawClient.open(fake.port);
    await client.next();
    client.send('auth ClueCon\n\nevent json CHANNEL_ANSWER\n\nfilter Unique-ID 2f0e0d0c-0b0a-4908-8706-050403020100\n\n');
    await client.next();
    await client.next();
    expect((await client.next()).headers).toEqual([['Content-Type', 'command/reply'], ['Reply-Text', '+OK filter added. [Unique-ID]=[2f0e0d0c-0b0a-4908-8706-050403020100]']]);
    client.send('bgapi originate {origination_uuid=3f0e0d0c-0b0a-4908-8706-050403020100}loopback/answer-silent/qa &park()\n\n');
    client.send('bgapi originate {origination_uuid=2f0e0d0c-0b0a-4908-8706-050403020100}loopback/answer-silent/qa &park()\n\n');
    await client.next();
    await client.next();
    const event = JSON.parse((await client.next()).body) as Record<string, string>;
    expect(event['Unique-ID']).toBe('2f0e0d0c-0b0a-4908-8706-050403020100');
    client.send('api uuid_kill 2f0e0d0c-0b0a-4908-8706-050403020100\n\napi uuid_kill 3f0e0d0c-0b0a-4908-8706-050403020100\n\n');
    client.socket.destroy();
  });

  it('switches the whole connection to URL-encoded text/event-plain', async () => {
    const client = await RawClient.open(fake.port);
    await client.next();
    client.send('auth ClueCon\n\nevent plain BACKGROUND_JOB\n\n');
    await client.next();
    expect((await client.next()).headers[1]).toEqual(['Reply-Text', '+OK event listener enabled plain']);
    client.send('bgapi originate {origination_uuid=4f0e0d0c-0b0a-4908-8706-050403020100}loopback/busy/qa &park()\n\n');
    await client.next();
    const job = await client.next();
    expect(job.headers).toEqual([['Content-Length', String(Buffer.byteLength(job.body))], ['Content-Type', 'text/event-plain']]);
    expect(job.body).toMatch(/^Event-Name: BACKGROUND_JOB\n/);
    expect(job.body).toMatch(/\nEvent-Date-Local: \d{4}-\d\d-\d\d%20\d\d%3A\d\d%3A\d\d\n/);
    expect(job.body).toMatch(/\nJob-Command-Arg: %7Borigination_uuid%3D4f0e0d0c-0b0a-4908-8706-050403020100%7Dloopback\/busy\/qa%20%26park\(\)\n/);
    expect(job.body.endsWith('\nContent-Length: 15\n\n-ERR USER_BUSY\n')).toBe(true);
    client.socket.destroy();
  });
});
