import { when } from '../api';
import { Table } from '../ui';

/** One webhook delivery try, as the console's timeline reads it from the history (host only, never the path). */
export interface WebhookDelivery {
  type: string;
  url_host: string;
  try: number;
  status_code: number | null;
  result: 'delivered' | 'retry' | 'dropped';
  latency_ms: number;
  at: string;
}

const RESULT: Record<WebhookDelivery['result'], string> = { delivered: 'delivered', retry: 'failed, retried', dropped: 'failed, given up' };

/** The webhook deliveries of one verification: each try with its HTTP status and latency. */
export function WebhookDeliveries(props: { deliveries: WebhookDelivery[] | undefined }) {
  // the QA tester's live record has no deliveries: only the history's timeline shows them
  if (props.deliveries === undefined) return null;
  return (
    <section class="webhooks" aria-label="Webhook deliveries">
      <h3>Webhook deliveries</h3>
      <Table
        caption="Webhook deliveries, oldest first"
        head={['When', 'Event', 'Host', 'Try', 'HTTP status', 'Result', 'Latency']}
        rows={props.deliveries.map((w) => [
          when(w.at),
          w.type,
          w.url_host,
          String(w.try),
          w.status_code === null ? 'no answer' : String(w.status_code),
          <span key="r" class={`status-${w.result}`}>
            {RESULT[w.result]}
          </span>,
          `${w.latency_ms} ms`,
        ])}
        empty="No webhook delivery: the request gave no callback_url (or the first try is still on its way)."
      />
    </section>
  );
}
