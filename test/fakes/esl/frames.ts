/**
 * Event-socket framing as FreeSWITCH 1.10 writes it (test/fixtures/WIRE-FORMAT.md):
 * a header block ended by an empty line, then exactly Content-Length bytes (UTF-8) of body.
 * Header order differs by type and is copied here: events put Content-Length first,
 * api/response and disconnect notices put Content-Type first, command/reply has no body.
 */

export type EventBody = Record<string, string>;

const DISCONNECT_TEXT = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

export function authRequest(): string {
  return 'Content-Type: auth/request\n\n';
}

export function commandReply(text: string, extra: Array<[string, string]> = []): string {
  return ['Content-Type: command/reply', `Reply-Text: ${text}`, ...extra.map(([k, v]) => `${k}: ${v}`)].join('\n') + '\n\n';
}

export function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

export function disconnectNotice(): string {
  return `Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(DISCONNECT_TEXT)}\n\n${DISCONNECT_TEXT}`;
}

/** `text/event-json`: a flat JSON object of strings; a body (BACKGROUND_JOB) rides inside as `_body`. */
export function eventJson(event: EventBody): string {
  const json = JSON.stringify(event);
  return `Content-Length: ${Buffer.byteLength(json)}\nContent-Type: text/event-json\n\n${json}`;
}

/** switch_url_encode's unsafe set: `,` `/` `!` stay as they are (see `Event-Date-Local: 2026-11-23%2008%3A47%3A08`). */
export function urlEncode(value: string): string {
  return value.replace(/[\r\n "#%&+:;<=>?@[\\\]^`{|}\p{Cc}]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** `text/event-plain`: the body is itself a header block with URL-encoded values, then an inner body. */
export function eventPlain(event: EventBody): string {
  const { _body: inner, 'Content-Length': _innerLength, ...headers } = event;
  let body = Object.entries(headers)
    .map(([k, v]) => `${k}: ${urlEncode(v)}`)
    .join('\n');
  body += '\n';
  if (inner !== undefined) body += `Content-Length: ${Buffer.byteLength(inner)}\n\n${inner}`;
  else body += '\n';
  return `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`;
}

/** A command as a client sends it: a first line, header lines, an empty line, an optional body. */
export interface ClientCommand {
  line: string;
  headers: Record<string, string>;
  body: string;
}

/** Splits the client's byte stream into commands; keeps partial input for the next chunk. */
export class CommandReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): ClientCommand[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const commands: ClientCommand[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) break;
      const lines = this.buffer.subarray(0, end).toString('utf8').replace(/\r/g, '').split('\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(': ');
        if (colon > 0) headers[line.slice(0, colon)] = line.slice(colon + 2);
      }
      const length = Number(headers['Content-Length'] ?? 0);
      if (this.buffer.length < end + 2 + length) break;
      const body = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 2 + length);
      const line = (lines[0] ?? '').trim();
      if (line !== '') commands.push({ line, headers, body });
    }
    return commands;
  }
}
