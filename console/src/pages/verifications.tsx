import { useState } from 'preact/hooks';
import { atLeast, get, query, when, type Me } from '../api';
import { Empty, Field, Problem, Select, Table, useFormErrors } from '../ui';
import { WebhookDeliveries, type WebhookDelivery } from './webhook-deliveries';

interface Item {
  id: string;
  status: string;
  /** As the history keeps it (history.numbers): hashed, masked or full; masked for viewers. */
  number: string;
  channel: string;
  workflow: string;
  country: string | null;
  created_at: string;
  ended_at: string | null;
  key_id: string;
}

interface Attempt {
  n: number;
  channel: string;
  status: string;
  result: string | null;
  outcome: string | null;
  trunk: string | null;
  caller_id: string | null;
  started_at: string;
  ended_at: string | null;
  cause: { q850: number | null; sip: number | null; text: string | null } | null;
  cdr?: { ringing_at: string | null; answered_at: string | null; billsec: number | null; gate: string | null; dtmf: string | null; cost: string | null; currency: string | null; sms_status: string | null };
}

export interface Detail {
  id: string;
  status: string;
  to: string;
  workflow: string;
  lang: string;
  created_at: string;
  attempts: Attempt[];
  cost?: string | null;
  currency?: string | null;
  reason?: string | null;
  webhooks?: WebhookDelivery[];
}

const STATUSES: Array<[string, string]> = [['', 'any'], ['pending', 'pending'], ['approved', 'approved'], ['failed', 'failed'], ['expired', 'expired'], ['canceled', 'canceled']];

/** One verification's attempts, in order: route, causes, times, cost, gate and keypad result, and the audio. */
export function Timeline(props: { detail: Detail; canHear: boolean }) {
  const d = props.detail;
  return (
    <section class="timeline" aria-label={`Verification ${d.id}`}>
      <h2>
        Verification <code>{d.id}</code>
      </h2>
      <p>
        {d.to} · {d.workflow} · {d.lang} · <strong>{d.status}</strong>
        {d.reason ? ` (${d.reason})` : ''} · started {when(d.created_at)}
        {d.cost ? ` · cost ${d.cost} ${d.currency ?? ''}` : ''}
      </p>
      {d.attempts.length === 0 ? (
        <Empty>No attempt yet: the first step starts in a moment.</Empty>
      ) : (
        <ol class="attempts">
          {d.attempts.map((a) => {
            const ringS = a.cdr?.ringing_at && a.cdr.answered_at ? (Date.parse(a.cdr.answered_at) - Date.parse(a.cdr.ringing_at)) / 1000 : null;
            return (
              <li key={a.n}>
                <h3>
                  Attempt {a.n}: {a.channel} — {a.outcome ?? a.status}
                  {a.result ? ` / ${a.result}` : ''}
                </h3>
                <dl>
                  <dt>Trunk</dt>
                  <dd>{a.trunk ?? '—'}</dd>
                  <dt>Caller ID</dt>
                  <dd>{a.caller_id ?? '—'}</dd>
                  <dt>Cause</dt>
                  <dd>{a.cause ? `SIP ${a.cause.sip ?? '—'} · Q.850 ${a.cause.q850 ?? '—'}${a.cause.text ? ` (${a.cause.text})` : ''}` : '—'}</dd>
                  <dt>Started / ended</dt>
                  <dd>
                    {when(a.started_at)} → {when(a.ended_at)}
                  </dd>
                  <dt>Ring / talk</dt>
                  <dd>
                    {ringS === null ? '—' : `${ringS.toFixed(1)} s`} / {a.cdr?.billsec ?? '—'} s
                  </dd>
                  <dt>Gate / keypad</dt>
                  <dd>
                    {a.cdr?.gate ?? '—'} / {a.cdr?.dtmf ?? '—'}
                  </dd>
                  <dt>Cost</dt>
                  <dd>{a.cdr?.cost ? `${a.cdr.cost} ${a.cdr.currency ?? ''}` : '—'}</dd>
                  {a.channel === 'sms' && (
                    <>
                      <dt>SMS receipt</dt>
                      <dd>{a.cdr?.sms_status ?? '—'}</dd>
                    </>
                  )}
                </dl>
                {a.channel !== 'sms' && props.canHear && (
                  <div class="player">
                    <span id={`audio-${d.id}-${a.n}`}>What the call played (the code is heard only while the verification is pending; once it ends the digits are silence, as the engine keeps no code in clear):</span>
                    <audio controls preload="none" aria-labelledby={`audio-${d.id}-${a.n}`} src={`/console/api/heard/${d.id}/${a.n}`} />
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <WebhookDeliveries deliveries={d.webhooks} />
    </section>
  );
}

export function Verifications(props: { me: Me }) {
  const [number, setNumber] = useState('');
  const [id, setId] = useState('');
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [items, setItems] = useState<Item[] | undefined>(undefined);
  const [next, setNext] = useState<string | null>(null);
  const [detail, setDetail] = useState<Detail | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [errors, show, clear] = useFormErrors();

  const open = async (vid: string) => {
    setProblem(undefined);
    try {
      setDetail(await get<Detail>(`/verification/${vid}`));
    } catch (e) {
      setProblem(e);
    }
  };
  const search = async (cursor?: string) => {
    clear();
    if (id.trim()) return open(id.trim());
    try {
      const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
      const page = await get<{ items: Item[]; next_cursor: string | null }>(`/v1/verifications${query({ number, status, from: iso(from), to: iso(to), limit: '25', cursor })}`);
      setItems(cursor ? [...(items ?? []), ...page.items] : page.items);
      setNext(page.next_cursor);
    } catch (e) {
      show(e, 'number');
    }
  };
  return (
    <section>
      <form
        class="filters"
        aria-label="Search"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <Field id="number" label="Number (E.164)" value={number} onInput={setNumber} placeholder="+12025550100" error={errors.number} />
        <Field id="vid" label="Verification id" value={id} onInput={setId} error={errors.id} />
        <Select id="status" label="Status" value={status} options={STATUSES} onChange={setStatus} />
        <Field id="from" label="From" type="datetime-local" value={from} onInput={setFrom} error={errors.from} />
        <Field id="to" label="To" type="datetime-local" value={to} onInput={setTo} error={errors.to} />
        <button type="submit">Search</button>
      </form>
      <Problem error={problem} />
      {items === undefined ? (
        <Empty>Search by number, id, time or status; leave everything empty for the last 30 days.</Empty>
      ) : (
        <Table
          caption="Verifications, newest first"
          head={['Created', 'Number', 'Country', 'Channel', 'Workflow', 'Key', 'Status', '']}
          rows={items.map((v) => [
            when(v.created_at),
            /^[0-9a-f]{64}$/.test(v.number) ? <abbr title="kept hashed (history.numbers: hashed)">hashed</abbr> : v.number,
            v.country ?? '—',
            v.channel,
            v.workflow,
            v.key_id,
            v.status,
            <button type="button" key="open" onClick={() => void open(v.id)}>
              Timeline <span class="sr">of {v.id}</span>
            </button>,
          ])}
          empty="No verification matches. Widen the time range or clear a filter; history keeps what the engine recorded since it was turned on."
        />
      )}
      {next && (
        <button type="button" onClick={() => void search(next)}>
          Load more
        </button>
      )}
      {detail && <Timeline detail={detail} canHear={atLeast('operator', props.me.role)} />}
    </section>
  );
}
