import { AppError } from '../lib/errors';
import { createCipheriv, createDecipheriv, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from '../lib/hmac';
import { randomBuffer } from '../lib/random';

/**
 * Code secrecy. A code is stored only as an HMAC bound to its verification id and checked in
 * constant time. While a later workflow step may have to say the SAME code again (seed 003's
 * "a call with the same code"), the code is also kept sealed with AES-256-GCM; the seal is
 * dropped when the verification ends. Both keys derive from the engine secret (HKDF).
 */
export class CodeVault {
  private readonly mac: HmacSha256;
  private readonly sealKey: Buffer;

  constructor(secret: string) {
    this.mac = new HmacSha256(derive(secret, 'pbxverify/code-hmac/v1'));
    this.sealKey = derive(secret, 'pbxverify/code-seal/v1');
  }

  /** A uniformly random numeric code of `length` digits (leading zeros allowed). */
  generate(length: number): string {
    let code = '';
    for (let i = 0; i < length; i++) code += String(randomInt(10));
    return code;
  }

  /** base64url HMAC-SHA256 of the code, bound to the verification id. */
  hash(verificationId: string, code: string): string {
    return this.mac.digest(`${verificationId}:${code}`).toString('base64url');
  }

  /** Constant-time comparison of a candidate against a stored hash. */
  matches(verificationId: string, candidate: string, storedHash: string): boolean {
    const a = this.mac.digest(`${verificationId}:${candidate}`);
    const b = Buffer.from(storedHash, 'base64url');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  seal(verificationId: string, code: string): string {
    const iv = randomBuffer(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(verificationId));
    const body = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  unseal(verificationId: string, sealed: string): string {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(verificationId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** Derives a 32-byte key for a purpose from the engine secret. */
export function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'pbxverify', purpose, 32));
}

/** A code offered to a check: digits (a flash call's whole calling number may start with +), at most 20. */
export function validateCandidate(code: string): void {
  if (!/^\+?[0-9]+$/.test(code)) throw new AppError('CODE_INVALID_FORMAT', { details: { field: 'code' } });
  if (code.length > 20) throw new AppError('CODE_LENGTH_INVALID', { details: { field: 'code', max: 20 } });
}
