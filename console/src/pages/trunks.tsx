import { useEffect, useState } from 'preact/hooks';
import { atLeast, get, type Me } from '../api';
import { Problem, Table } from '../ui';
import { describeMatch, RouteEditor, TrunkEditor, type Override, type RouteSetting, type TrunkSetting } from './routing-edit';

type Trunk = Record<string, unknown> & { name: string; state?: string };

interface Routing {
  editable: boolean;
  trunks: TrunkSetting[];
  routes: RouteSetting[];
  overrides: Override[];
}

const show = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : typeof v === 'string' ? v : JSON.stringify(v));
const trunkList = (r: RouteSetting): string => r.trunks.map((t) => (typeof t === 'string' ? t : `${t.name} (weight ${t.weight})`)).join(' → ');

/**
 * Health, breaker state, limits and calls in flight per trunk (GET /v1/trunks, every 5 s), and the
 * routing in force; admins edit trunks and route order here (applied at once, on every engine).
 */
export function Trunks(props: { me: Me }) {
  const admin = atLeast('admin', props.me.role);
  const [trunks, setTrunks] = useState<Trunk[] | undefined>(undefined);
  const [routing, setRouting] = useState<Routing | undefined>(undefined);
  // a new key per reload re-creates the forms with the values in force
  const [generation, setGeneration] = useState(0);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [note, setNote] = useState('');
  const load = () =>
    get<{ trunks: Trunk[] }>('/v1/trunks')
      .then((r) => setTrunks(r.trunks))
      .catch(setProblem);
  const loadRouting = () =>
    get<Routing>('/v1/admin/routing')
      .then((r) => {
        setRouting(r);
        setGeneration((g) => g + 1);
      })
      .catch(setProblem);
  useEffect(() => {
    void load();
    void loadRouting();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  const saved = (text: string) => {
    setNote(text);
    void load();
    void loadRouting();
  };
  const overrideOf = (kind: 'trunk' | 'route', name: string) => routing?.overrides.find((o) => o.kind === kind && o.name === name);
  return (
    <section>
      <Problem error={problem} />
      <p role="status" class="note">
        {note}
      </p>
      <p class="hint">
        Refreshed every 5 s.{' '}
        {admin
          ? 'Edits below are checked like the configuration file, applied at once, kept in the history database and picked up by every engine within 5 s; "use the file\'s values" drops an edit.'
          : 'Read-only: admins edit trunks and routes here; the rest is in the configuration file (docs/routing.md).'}
      </p>
      {trunks && (
        <Table
          caption="Trunks"
          head={['Trunk', 'Takes calls', 'Breaker', 'Why open', 'Calls in flight', 'Max concurrent', 'CPS', 'Caller IDs', 'Rate deck']}
          rows={trunks.map((t) => [t.name, t.enabled === false ? 'drained' : 'yes', show(t.state), show(t.open_reason), show(t.cluster_in_flight), show(t.max_concurrent), show(t.cps), show((t.caller_ids as unknown[] | undefined)?.length), show(t.rate_deck)])}
          empty="No trunk is configured: calls go through the PBX's default. Add trunks in the configuration (docs/routing.md)."
        />
      )}
      {routing && (
        <Table
          caption="Routes (first match by longest prefix, then by order)"
          head={['Route', 'Matches', 'Trunks', 'Edited']}
          rows={routing.routes.map((r) => [r.name, describeMatch(r), trunkList(r) || '— (SMS only)', overrideOf('route', r.name)?.updatedBy ?? '—'])}
          empty="No route is configured: every call goes out on the single trunk."
        />
      )}
      {admin && routing && routing.trunks.length > 0 && (
        <div class="editors" key={generation}>
          <h2>Edit trunks</h2>
          {!routing.editable && <p class="problem">Edits need the history database (history.url): this engine runs without it.</p>}
          {routing.trunks.map((t) => (
            <TrunkEditor key={t.name} trunk={t} override={overrideOf('trunk', t.name)} onSaved={saved} />
          ))}
          <h2>Edit routes</h2>
          {routing.routes
            .filter((r) => r.trunks.length > 0)
            .map((r) => (
              <RouteEditor key={r.name} route={r} override={overrideOf('route', r.name)} onSaved={saved} />
            ))}
        </div>
      )}
    </section>
  );
}
