import type { IncomingMessage } from 'node:http';

/** Options, records and small helpers of the wire-level fake ARI (FakeAri in fake-ari.ts). */

export interface FakeAriOptions {
  user?: string;
  password?: string;
  /** Multiplies every callee and media duration (0.25 = four times faster). */
  timeScale?: number;
  /** Duration of a `sound:` media item before scaling (silence parts last their own length). */
  promptMs?: number;
  /** PJSIP endpoints `endpoints/sendMessage` knows (`pjsip:<endpoint>/…`); others answer 404. */
  messageEndpoints?: string[];
}

/** A recorded call to play back instead of a scripted callee (test/fakes/ari/recordings.ts). */
export interface ReplayScript {
  /** HTTP answer to the originate. */
  status: number;
  body?: unknown;
  /** The recording's channel id and app name, rewritten to the driver's. */
  recordedId: string;
  recordedApp: string;
  events: Array<{ t: number; raw: Record<string, unknown> }>;
  /** Multiplies the recorded event times. */
  timeScale: number;
  /** Channel variables as the recording read them (GET …/variable), by name. */
  variables?: Record<string, string>;
}

export interface SentMessage {
  to: string;
  from: string;
  body: string;
}

/** Asterisk's MAX_HTTP_LINE_LENGTH (main/http.c). */
export const MAX_HTTP_LINE_LENGTH = 4096;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}
