import { useEffect, useState } from 'preact/hooks';
import { get, query, when } from '../api';
import { Field, Problem, Table, useFormErrors } from '../ui';

interface Entry {
  id: string;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  status: number;
  detail: string | null;
}

interface Page {
  entries: Entry[];
  next: { before: number; beforeId: string } | null;
}

/** The audit log, newest first: filtered and paged on the server (50 a page). */
export function Audit() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [since, setSince] = useState('');
  const [entries, setEntries] = useState<Entry[] | undefined>(undefined);
  const [next, setNext] = useState<Page['next']>(null);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [errors, show, clear] = useFormErrors();
  const load = async (more: boolean) => {
    clear();
    setProblem(undefined);
    const sinceMs = since ? Date.parse(since) : undefined;
    try {
      const page = await get<Page>(
        `/audit${query({
          actor,
          action,
          since: sinceMs === undefined || Number.isNaN(sinceMs) ? since || undefined : String(sinceMs),
          ...(more && next ? { before: String(next.before), beforeId: next.beforeId } : {}),
        })}`,
      );
      setEntries(more ? [...(entries ?? []), ...page.entries] : page.entries);
      setNext(page.next);
    } catch (err) {
      show(err, 'audit-actor');
    }
  };
  useEffect(() => void load(false), []);
  return (
    <section>
      <Problem error={problem} />
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          void load(false);
        }}
      >
        <Field id="audit-actor" label="Who (user name or key:ID)" value={actor} onInput={setActor} error={errors['audit-actor'] ?? errors.actor} placeholder="alice" />
        <Field id="audit-action" label="Action starts with" value={action} onInput={setAction} error={errors.action} placeholder="login, operator., PUT" />
        <Field id="audit-since" label="Since" type="datetime-local" value={since} onInput={setSince} error={errors.since} />
        <button type="submit">Filter</button>
      </form>
      {entries && (
        <Table
          caption="Audit log, newest first"
          head={['When', 'Who', 'What', 'Target', 'Status', 'Detail']}
          rows={entries.map((e) => [when(e.at), e.actor, e.action, e.target ?? '—', String(e.status), e.detail ?? '—'])}
          empty="Nothing recorded matches: clear the filters, or wait for the next sign-in or change."
        />
      )}
      {next && (
        <button type="button" onClick={() => void load(true)}>
          Older entries
        </button>
      )}
    </section>
  );
}
