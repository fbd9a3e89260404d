/**
 * The reference: a bare fastify route on the same machine, parsing a JSON body and answering
 * JSON, with no auth, validation or storage. Ratios against it are what we track.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/bare', async (request) => {
  const body = request.body as { to?: string };
  return { id: '0123456789abcdef0123456789abcdef', status: 'pending', to: body.to ?? null };
});
app
  .listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' })
  .then((address) => process.stdout.write(`${address}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
