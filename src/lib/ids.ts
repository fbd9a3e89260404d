import { randomBytes } from 'node:crypto';

/** 32 lowercase hex characters (128 random bits); seed 003 expects 32–40 characters. */
export function newVerificationId(): string {
  return randomBytes(16).toString('hex');
}

/** Webhook message ids: stable across retries, unique per event (Standard Webhooks `webhook-id`). */
export function newMessageId(): string {
  return `msg_${randomBytes(12).toString('hex')}`;
}

export function newCallTag(): string {
  return randomBytes(8).toString('hex');
}
