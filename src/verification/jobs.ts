import { randomHex } from '../lib/random';
import type { Job } from '../store/port';

// The two scheduled jobs of a verification: its next workflow step and its expiry (one of each).

export function stepJobId(id: string): string {
  return `${id}:step`;
}

export function expireJobId(id: string): string {
  return `${id}:expire`;
}

function token(): string {
  return randomHex(8);
}

export function stepJob(id: string, step: number, at: number): Job {
  return { id: stepJobId(id), kind: 'step', verificationId: id, at, token: token(), step };
}

export function expireJob(id: string, at: number): Job {
  return { id: expireJobId(id), kind: 'expire', verificationId: id, at, token: token() };
}
