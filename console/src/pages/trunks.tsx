import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { Problem, Table } from '../ui';

type Trunk = Record<string, unknown> & { name: string; state?: string };

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : typeof v === 'string' ? v : JSON.stringify(v));

/** Read-only: health, breaker state, limits and calls in flight per trunk (GET /v1/trunks). */
export function Trunks() {
  const [trunks, setTrunks] = useState<Trunk[] | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  const load = () =>
    get<{ trunks: Trunk[] }>('/v1/trunks')
      .then((r) => setTrunks(r.trunks))
      .catch(setProblem);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section>
      <Problem error={problem} />
      <p class="hint">Read-only, refreshed every 5 s. Trunks and routes are edited in the configuration file (docs/routing.md) and reloaded with SIGHUP.</p>
      {trunks && (
        <Table
          caption="Trunks"
          head={['Trunk', 'Breaker', 'Why open', 'Calls in flight', 'Max concurrent', 'CPS', 'Caller IDs', 'Rate deck']}
          rows={trunks.map((t) => [t.name, show(t.state), show(t.open_reason), show(t.cluster_in_flight), show(t.max_concurrent), show(t.cps), show((t.caller_ids as unknown[] | undefined)?.length), show(t.rate_deck)])}
          empty="No trunk is configured: calls go through the PBX's default. Add trunks in the configuration (docs/routing.md)."
        />
      )}
    </section>
  );
}
