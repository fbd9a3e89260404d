import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The console's Content-Security-Policy: everything from this origin only, no inline script or
 * style, no framing, no plugins. Audio plays from this origin (WAV responses).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}

/** Every file of the built UI (a few hundred KB), read once at start. */
function loadFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path).split('\\').join('/'), readFileSync(path));
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

/** GET /console (the single-page app; every page path answers index.html) and /console/assets/*. */
export function staticRoutes(app: FastifyInstance, uiDir: string): void {
  const files = loadFiles(uiDir);
  const index = files.get('index.html');
  const page = async (_request: unknown, reply: FastifyReply) => {
    securityHeaders(reply).header('cache-control', 'no-cache');
    if (!index) return reply.status(503).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build` (it builds the UI into dist/public/console).');
    return reply.type(TYPES['.html'] as string).send(index);
  };
  app.get('/console', { schema: { hide: true } }, page);
  app.get('/console/', { schema: { hide: true } }, page);
  app.get('/console/:page', { schema: { hide: true } }, page);
  app.get('/console/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const name = `assets/${(request.params as { '*': string })['*']}`;
    const file = files.get(name);
    securityHeaders(reply);
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('not found');
    return reply
      .type(TYPES[extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(file);
  });
}
