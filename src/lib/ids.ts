import { randomHex } from './random';

/** 32 lowercase hex characters (128 random bits); seed 003 expects 32–40 characters. */
export function newVerificationId(): string {
  return randomHex(16);
}

/** Webhook message ids: stable across retries, unique per event (Standard Webhooks `webhook-id`). */
export function newMessageId(): string {
  return `msg_${randomHex(12)}`;
}

export function newCallTag(): string {
  return randomHex(8);
}
