import type { Job, WebhookDelivery } from '../port';

/**
 * Jobs are stored as `<token>|<JSON [at, kind, step, verificationId]>`: the token first, so the
 * acknowledge script compares it without decoding; the verification id is left out when the
 * job id is `<verificationId>:<kind>` (the engine's jobs always are).
 */
export function encodeJob(job: Job): string {
  if (job.token.includes('|')) throw new RangeError('job token must not contain "|"');
  const fields: Array<string | number | null> = [Math.round(job.at), job.kind, job.step ?? null];
  if (job.id !== `${job.verificationId}:${job.kind}`) fields.push(job.verificationId);
  else if (job.step === undefined) fields.pop();
  return `${job.token}|${JSON.stringify(fields)}`;
}

export function decodeJob(id: string, encoded: string): Job {
  const bar = encoded.indexOf('|');
  const [at, kind, step, verificationId] = JSON.parse(encoded.slice(bar + 1)) as [number, Job['kind'], number | null | undefined, string | undefined];
  const job: Job = {
    id,
    kind,
    verificationId: verificationId ?? id.slice(0, id.length - kind.length - 1),
    at,
    token: encoded.slice(0, bar),
  };
  if (typeof step === 'number') job.step = step;
  return job;
}

/**
 * Deliveries: `<nextAt>\n<attempts>\n<orderingKey>\n<lastError as JSON or empty>\n<JSON rest>`.
 * The Lua scripts read and rewrite the first four lines (retry state, which queue) and leave
 * the rest (the signed body) untouched.
 */
export function encodeDelivery(d: WebhookDelivery): string {
  if (/[\n\r]/.test(d.orderingKey)) throw new RangeError('webhook ordering key must not contain line breaks');
  // the method (GET callbacks of called.in) goes last, and only when set: older entries decode as POST
  const rest = JSON.stringify([d.keyId, d.url, d.type, d.body, d.createdAt, ...(d.method === undefined ? [] : [d.method])]);
  return `${Math.round(d.nextAt)}\n${d.attempts}\n${d.orderingKey}\n${d.lastError === undefined ? '' : JSON.stringify(d.lastError)}\n${rest}`;
}

export function decodeDelivery(id: string, encoded: string): WebhookDelivery {
  const lines = encoded.split('\n');
  const [nextAt, attempts, orderingKey, lastError] = lines;
  const [keyId, url, type, body, createdAt, method] = JSON.parse(lines.slice(4).join('\n')) as [string, string, string, string, number, string?];
  const delivery: WebhookDelivery = {
    id,
    orderingKey: orderingKey as string,
    keyId,
    url,
    type,
    body,
    createdAt,
    nextAt: Number(nextAt),
    attempts: Number(attempts),
  };
  if (lastError) delivery.lastError = JSON.parse(lastError) as string;
  if (method === 'GET') delivery.method = 'GET';
  return delivery;
}
