import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  type: string;
  body: any;
  headers: IncomingHttpHeaders;
  /** True when the signature verified with the `standardwebhooks` reference implementation. */
  verified: boolean;
}

/**
 * A real HTTP server on loopback that receives webhooks and verifies each signature with the
 * `standardwebhooks` package. `status` lets a test make it fail (503) to exercise retries.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;
  /** Requests answered with the failing `status` (delivery attempts during an outage). */
  refused = 0;
  /**
   * Check signatures without the 5-minute timestamp tolerance (engines on the manual test
   * clock sign with simulated time): the signature is recomputed with the reference
   * implementation for the message's own timestamp and must match one the engine sent.
   */
  ignoreTimestamp = false;
  private server: Server | undefined;
  private secret: string | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        if (this.status >= 300) {
          this.refused++;
          res.writeHead(this.status).end();
          return;
        }
        let verified = false;
        try {
          if (this.secret && this.ignoreTimestamp) {
            const expected = new Webhook(this.secret).sign(
              String(req.headers['webhook-id']),
              new Date(Number(req.headers['webhook-timestamp']) * 1000),
              raw,
            );
            verified = String(req.headers['webhook-signature']).split(' ').includes(expected);
          } else if (this.secret) {
            new Webhook(this.secret).verify(raw, {
              'webhook-id': String(req.headers['webhook-id']),
              'webhook-timestamp': String(req.headers['webhook-timestamp']),
              'webhook-signature': String(req.headers['webhook-signature']),
            });
            verified = true;
          }
        } catch {
          verified = false;
        }
        const body = JSON.parse(raw) as { type: string };
        this.received.push({ id: String(req.headers['webhook-id']), type: body.type, body, headers: req.headers, verified });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** The key's signing secret, `whsec_…`. */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  forVerification(id: string): ReceivedWebhook[] {
    return this.received.filter((w) => w.body?.data?.verification_id === id);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
