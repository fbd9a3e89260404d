/**
 * The slice of the untyped `smpp@0.5.1` package this adapter uses, typed here so that nothing
 * untyped (and no PDU) leaves src/sms/smpp/. The package's sessions emit one event per command.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const smpp = require('smpp') as SmppModule;

export interface Pdu {
  command: string;
  command_status: number;
  sequence_number: number;
  [field: string]: unknown;
  response(options?: Record<string, unknown>): Pdu;
}

export interface SmppSession {
  on(event: 'connect' | 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: string, listener: (pdu: Pdu) => void): this;
  removeAllListeners(): this;
  send(pdu: Pdu, responseCallback?: (pdu: Pdu) => void): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
  pause(): void;
  resume(): void;
  [command: string]: unknown;
  socket: { remoteAddress?: string; setNoDelay?: (on: boolean) => void; destroyed?: boolean };
}

export interface SmppServer {
  listen(port: number, host: string, callback?: () => void): void;
  close(callback?: () => void): void;
  address(): { port: number } | string | null;
}

interface SmppModule {
  connect(options: { host: string; port: number }): SmppSession;
  createServer(listener: (session: SmppSession) => void): SmppServer;
  PDU: new (command: string, options?: Record<string, unknown>) => Pdu;
  ESME_ROK: number;
}

export function connectSession(host: string, port: number): SmppSession {
  return smpp.connect({ host, port });
}

export function createSmscServer(listener: (session: SmppSession) => void): SmppServer {
  return smpp.createServer(listener);
}

export function newPdu(command: string, options: Record<string, unknown>): Pdu {
  return new smpp.PDU(command, options);
}

/** Calls `session[command](fields, cb)`: the package's generated shortcuts. False when the socket is not writable (nothing was sent). */
export function sendCommand(session: SmppSession, command: string, fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean {
  const fn = session[command] as (fields: Record<string, unknown>, cb?: (pdu: Pdu) => void) => boolean;
  return fn.call(session, fields, onResponse);
}

/** SMPP 3.4 command_status values this adapter acts on. */
export const STATUS = {
  ROK: 0x00,
  RINVMSGLEN: 0x01,
  RSYSERR: 0x08,
  RINVSRCADR: 0x0a,
  RINVDSTADR: 0x0b,
  RBINDFAIL: 0x0d,
  RMSGQFUL: 0x14,
  RSUBMITFAIL: 0x45,
  RINVSRCTON: 0x48,
  RINVSRCNPI: 0x49,
  RINVDSTTON: 0x50,
  RINVDSTNPI: 0x51,
  RTHROTTLED: 0x58,
  RINVEXPIRY: 0x62,
} as const;
