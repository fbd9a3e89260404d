import { useEffect, useState } from 'preact/hooks';
import { query, when, type Me } from '../api';
import { Empty, Field, Table } from '../ui';

export interface LiveEvent {
  seq: number;
  type: string;
  at: number;
  verificationId: string;
  attempt?: number;
  keyId?: string;
  trunk?: string;
  channel?: string;
  to?: string;
  status?: string;
  outcome?: string;
  result?: string;
  q850?: number;
  sip?: number;
  gate?: string;
  digits?: number;
  prompts?: number;
}

const ENDED = new Set(['verification.approved', 'verification.failed', 'verification.expired', 'verification.canceled']);

/** Subscribes to the console's event stream (the same events as GET /v1/events). */
export function useLiveEvents(filter: { trunk?: string; key?: string }, onEvent: (e: LiveEvent) => void): 'connecting' | 'open' | 'retrying' {
  const [state, setState] = useState<'connecting' | 'open' | 'retrying'>('connecting');
  useEffect(() => {
    const source = new EventSource(`/console/api/events${query({ trunk: filter.trunk, key: filter.key })}`);
    const handler = (m: MessageEvent<string>) => onEvent(JSON.parse(m.data) as LiveEvent);
    const types = ['verification.started', 'verification.approved', 'verification.failed', 'verification.expired', 'verification.canceled', 'attempt.started', 'attempt.ringing', 'attempt.answered', 'attempt.gate', 'attempt.playing', 'attempt.digits', 'attempt.ended', 'sms.submitted', 'sms.delivered', 'sms.failed'];
    for (const t of types) source.addEventListener(t, handler as EventListener);
    source.onopen = () => setState('open');
    source.onerror = () => setState('retrying');
    return () => source.close();
  }, [filter.trunk, filter.key]);
  return state;
}

export function describe(e: LiveEvent): string {
  switch (e.type) {
    case 'attempt.ended':
      return `ended: ${e.outcome ?? '?'}${e.result ? ` / ${e.result}` : ''}${e.q850 !== undefined ? ` (Q.850 ${e.q850}${e.sip ? `, SIP ${e.sip}` : ''})` : ''}`;
    case 'attempt.digits':
      return `${e.digits ?? 0} digit(s) typed`;
    case 'attempt.playing':
      return `playing ${e.prompts ?? 0} prompt(s)`;
    case 'attempt.gate':
      return `gate ${e.gate ?? ''}`;
    default:
      return e.type.replace('.', ' ');
  }
}

interface Row {
  id: string;
  to?: string;
  channel?: string;
  trunk?: string;
  key?: string;
  last: LiveEvent;
  since: number;
}

export function Live(_props: { me: Me }) {
  const [trunk, setTrunk] = useState('');
  const [key, setKey] = useState('');
  const [active, setActive] = useState<Map<string, Row>>(new Map());
  const [log, setLog] = useState<LiveEvent[]>([]);
  const state = useLiveEvents({ trunk, key }, (e) => {
    setLog((l) => [e, ...l].slice(0, 200));
    setActive((m) => {
      const next = new Map(m);
      if (ENDED.has(e.type)) next.delete(e.verificationId);
      else {
        const had = next.get(e.verificationId);
        next.set(e.verificationId, { id: e.verificationId, to: e.to ?? had?.to, channel: e.channel ?? had?.channel, trunk: e.trunk ?? had?.trunk, key: e.keyId ?? had?.key, last: e, since: had?.since ?? e.at });
      }
      return next;
    });
  });
  const rows = [...active.values()].sort((a, b) => b.since - a.since);
  return (
    <section>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <Field id="live-trunk" label="Trunk" value={trunk} onInput={setTrunk} placeholder="any" />
        <Field id="live-key" label="API key" value={key} onInput={setKey} placeholder="any" />
        <p class="status" aria-live="polite">
          Stream: {state}
        </p>
      </form>
      <h2>In progress</h2>
      <Table
        caption="Verifications in progress"
        head={['Verification', 'Number', 'Channel', 'Trunk', 'Key', 'Now', 'Since']}
        rows={rows.map((r) => [<code key="id">{r.id.slice(0, 8)}</code>, r.to ?? '—', r.channel ?? '—', r.trunk ?? '—', r.key ?? '—', describe(r.last), when(r.since)])}
        empty="Nothing in progress. Start a test call on the QA tester page, or send one through the API: it shows here as it rings, plays and ends."
      />
      <h2>Recent events</h2>
      {log.length === 0 ? (
        <Empty>No events yet. They appear here the moment a call starts.</Empty>
      ) : (
        <ol class="log" role="log" aria-label="Recent events">
          {log.map((e) => (
            <li key={e.seq} data-type={e.type}>
              <time>{when(e.at)}</time> <code>{e.verificationId.slice(0, 8)}</code> {e.attempt ? `#${e.attempt} ` : ''}
              {describe(e)}
              {e.trunk ? ` · ${e.trunk}` : ''}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
