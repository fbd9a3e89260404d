/**
 * `n` Server-Sent Event clients in a process of their own (console.bench.ts starts it with
 * `nice -n 19`, as browsers on other machines would not take the engine's CPU): opens the streams,
 * prints `open` once every one answered, counts the events received (a byte search, no decoding),
 * and when stdin closes prints `{"events":…,"cpuMicros":…}` and exits.
 * Environment: SSE_URL, SSE_COUNT, SSE_AUTHORIZATION.
 */
import { request } from 'node:http';

const url = process.env.SSE_URL as string;
const count = Number(process.env.SSE_COUNT ?? 100);
const MARK = Buffer.from('\nevent: ');
let events = 0;
let answered = 0;
const cpu = process.cpuUsage();

const requests = Array.from({ length: count }, () => {
  const req = request(url, { headers: { authorization: process.env.SSE_AUTHORIZATION ?? '' } }, (res) => {
    if (++answered === count) process.stdout.write('open\n');
    res.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(MARK); at >= 0; at = chunk.indexOf(MARK, at + 1)) events++;
    });
  });
  req.on('error', () => undefined);
  req.end();
  return req;
});

process.stdin.resume();
process.stdin.on('end', () => {
  requests.forEach((r) => r.destroy());
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ events, cpuMicros: used.user + used.system })}\n`);
  process.exit(0);
});
