import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBuffer } from '../../lib/random';

/** A response as it is replayed: status, the headers that describe the body, and the body. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body is base64 of bytes (a Buffer payload) rather than text. */
  binary?: true;
}

/**
 * Stored responses are sealed (AES-256-GCM, key derived from the engine secret), bound to their
 * scope and idempotency key: a reverse verification's answer carries the code the user types, and
 * codes never sit in the store in clear (see src/verification/codes.ts). Engines sharing a store
 * share the engine secret already (codes are checked on any of them).
 */
export class ResponseSealer {
  constructor(private readonly key: Buffer) {}

  seal(scope: string, idempotencyKey: string, response: StoredResponse): string {
    const iv = randomBuffer(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(scope, idempotencyKey));
    const body = Buffer.concat([cipher.update(JSON.stringify(response), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The response, or undefined when the seal does not open (another secret, another key, damage). */
  unseal(scope: string, idempotencyKey: string, sealed: string): StoredResponse | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(aad(scope, idempotencyKey));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as StoredResponse;
    } catch {
      return undefined;
    }
  }
}

function aad(scope: string, idempotencyKey: string): Buffer {
  return Buffer.from(`${scope}\u0000${idempotencyKey}`);
}
