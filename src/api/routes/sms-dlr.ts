import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What a DLR callback carries, before any check (the gateway adapter checks and maps it). */
export interface DlrRequest {
  token: string | undefined;
  query: Record<string, string>;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
}

/**
 * Delivery-receipt callbacks from SMS gateways (Kannel's dlr-url, HTTP providers' webhooks):
 * `GET|POST /v1/sms/dlr/:gateway[/:token]`. No API key: the per-message token in the path (and
 * the provider's HMAC when configured) is the check. Always 200, also for a forged or unknown
 * receipt (logged and counted, nothing changes), so that gateways do not retry it forever.
 */
export function smsDlrRoutes(deps: { accept(gateway: string, request: DlrRequest): void }) {
  return async (app: FastifyInstance): Promise<void> => {
    // The raw body, for the HMAC check; parsed here as JSON or form.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    const handler = async (request: FastifyRequest<{ Params: { gateway: string; token?: string } }>) => {
      const rawBody = typeof request.body === 'string' ? request.body : '';
      deps.accept(request.params.gateway, {
        token: request.params.token,
        query: stringRecord(request.query),
        body: parseBody(rawBody, String(request.headers['content-type'] ?? '')),
        rawBody,
        headers: stringRecord(request.headers),
      });
      return { ok: true };
    };
    for (const url of ['/v1/sms/dlr/:gateway', '/v1/sms/dlr/:gateway/:token']) {
      app.get(url, { schema: { hide: true } }, handler);
      app.post(url, { schema: { hide: true } }, handler);
    }
  };
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function parseBody(raw: string, contentType: string): unknown {
  if (raw === '') return undefined;
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
