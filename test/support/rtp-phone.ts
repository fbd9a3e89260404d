import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

/**
 * A SIP phone on loopback that answers calls and records the RTP it receives: the capture of the
 * live audio test and of `npm run bench:live` (issue 18). It answers an INVITE with 200 OK and a
 * PCMU offer, sends 20 ms of PCMU silence every 20 ms (as a real phone does, so that no PBX waits
 * for the callee's media), keeps every RTP packet it receives with its arrival time, and answers
 * BYE. Times are `performance.now()` ms; `answeredAt` is when the 200 OK left.
 */
export interface RtpPacket {
  at: number;
  seq: number;
  ts: number;
  pt: number;
  payload: Buffer;
}

export interface PhoneCall {
  callId: string;
  /** The user part of the request URI (what the PBX dialled). */
  user: string;
  invitedAt: number;
  answeredAt: number;
  endedAt?: number;
  packets: RtpPacket[];
  /** Resolves when the PBX hangs up (BYE). */
  ended: Promise<void>;
}

interface Leg extends PhoneCall {
  rtp: Socket;
  timer?: NodeJS.Timeout;
  ok: string;
  end: () => void;
}

const header = (msg: string, name: string): string[] =>
  msg
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());

export class RtpPhone {
  private readonly sip: Socket = createSocket('udp4');
  private readonly legs = new Map<string, Leg>();
  private readonly waiters: Array<(call: PhoneCall) => void> = [];
  private readonly untaken: PhoneCall[] = [];
  readonly calls: PhoneCall[] = [];

  constructor(
    readonly host: string,
    readonly port: number,
    /** Ring this long before answering. */
    private readonly answerAfterMs = 0,
  ) {}

  async start(): Promise<void> {
    this.sip.on('message', (buf, from) => void this.onMessage(buf.toString('latin1'), from.address, from.port));
    await new Promise<void>((resolve, reject) => {
      this.sip.once('error', reject);
      this.sip.bind(this.port, this.host, () => resolve());
    });
  }

  /** The next call to arrive (or the oldest one not yet taken). */
  nextCall(timeoutMs = 15_000): Promise<PhoneCall> {
    const waiting = this.untaken.shift();
    if (waiting) return Promise.resolve(waiting);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no call reached the phone on ${this.host}:${this.port} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((call) => {
        clearTimeout(timer);
        resolve(call);
      });
    });
  }

  async stop(): Promise<void> {
    for (const leg of this.legs.values()) leg.end();
    await new Promise<void>((resolve) => this.sip.close(() => resolve()));
  }

  private send(text: string, host: string, port: number): void {
    this.sip.send(Buffer.from(text, 'latin1'), port, host);
  }

  private reply(req: string, status: string, host: string, port: number, extra: string[] = [], body = '', toTag?: string): string {
    const to = header(req, 'To')[0] ?? '';
    const lines = [
      `SIP/2.0 ${status}`,
      ...header(req, 'Via').map((v) => `Via: ${v}`),
      ...header(req, 'From').map((v) => `From: ${v}`),
      `To: ${toTag !== undefined && !/;tag=/.test(to) ? `${to};tag=${toTag}` : to}`,
      `Call-ID: ${header(req, 'Call-ID')[0] ?? ''}`,
      `CSeq: ${header(req, 'CSeq')[0] ?? ''}`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
      '',
      body,
    ];
    const text = lines.join('\r\n');
    this.send(text, host, port);
    return text;
  }

  private async onMessage(msg: string, host: string, port: number): Promise<void> {
    const method = msg.split(' ', 1)[0] ?? '';
    const callId = header(msg, 'Call-ID')[0] ?? '';
    if (method === 'INVITE') {
      const known = this.legs.get(callId);
      if (known) {
        if (known.ok) this.send(known.ok, host, port);
        return;
      }
      await this.answer(msg, callId, host, port);
    } else if (method === 'BYE' || method === 'CANCEL') {
      this.reply(msg, '200 OK', host, port);
      this.legs.get(callId)?.end();
    } else if (method === 'ACK' || method.startsWith('SIP/')) {
      // nothing to do: ACK of our 200, or a response to nothing we sent
    } else {
      this.reply(msg, '200 OK', host, port);
    }
  }

  private async answer(invite: string, callId: string, host: string, port: number): Promise<void> {
    const invitedAt = performance.now();
    const user = /^INVITE sip:([^@ ;]+)/.exec(invite)?.[1] ?? '';
    this.reply(invite, '100 Trying', host, port);
    const body = invite.slice(invite.indexOf('\r\n\r\n') + 4);
    const remoteIp = /c=IN IP4 ([0-9.]+)/.exec(body)?.[1] ?? host;
    const remotePort = Number(/m=audio (\d+)/.exec(body)?.[1] ?? 0);
    const rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, this.host, () => resolve()));
    const rtpPort = rtp.address().port;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const leg: Leg = { callId, user, invitedAt, answeredAt: 0, packets: [], ended, rtp, ok: '', end: () => undefined };
    leg.end = () => {
      if (leg.endedAt !== undefined) return;
      leg.endedAt = performance.now();
      clearInterval(leg.timer);
      rtp.close();
      end();
    };
    this.legs.set(callId, leg);
    rtp.on('message', (buf) => {
      if (buf.length < 12 || buf[0] === undefined || buf[0] >> 6 !== 2) return;
      const cc = (buf[0] & 0x0f) * 4;
      leg.packets.push({ at: performance.now(), seq: buf.readUInt16BE(2), ts: buf.readUInt32BE(4), pt: (buf[1] ?? 0) & 0x7f, payload: Buffer.from(buf.subarray(12 + cc)) });
    });
    if (this.answerAfterMs > 0) await new Promise((r) => setTimeout(r, this.answerAfterMs));
    const sdp = [
      'v=0',
      `o=- ${Date.now()} 1 IN IP4 ${this.host}`,
      's=rtp-phone',
      `c=IN IP4 ${this.host}`,
      't=0 0',
      `m=audio ${rtpPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
    const tag = randomBytes(6).toString('hex');
    leg.ok = this.reply(invite, '200 OK', host, port, [`Contact: <sip:phone@${this.host}:${this.port}>`, 'Content-Type: application/sdp'], sdp, tag);
    leg.answeredAt = performance.now();
    // Our own media, 20 ms of PCMU silence per packet, so that neither PBX waits for the callee.
    const ssrc = randomBytes(4).readUInt32BE(0);
    let seq = 0;
    let ts = 0;
    leg.timer = setInterval(() => {
      if (remotePort === 0) return;
      const pkt = Buffer.alloc(12 + 160, 0xff);
      pkt[0] = 0x80;
      pkt[1] = 0;
      pkt.writeUInt16BE(seq++ & 0xffff, 2);
      pkt.writeUInt32BE(ts >>> 0, 4);
      pkt.writeUInt32BE(ssrc, 8);
      ts += 160;
      rtp.send(pkt, remotePort, remoteIp);
    }, 20);
    this.calls.push(leg);
    const waiter = this.waiters.shift();
    if (waiter) waiter(leg);
    else this.untaken.push(leg);
  }
}
