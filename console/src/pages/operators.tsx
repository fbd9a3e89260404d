import { useEffect, useState } from 'preact/hooks';
import { api, get, when, type Me, type Role } from '../api';
import { Field, Problem, Select, Table, useFormErrors } from '../ui';

interface Operator {
  username: string;
  role: Role;
  disabled: boolean;
  locked: boolean;
  createdAt: number;
}

const ROLES: Array<[string, string]> = [
  ['viewer', 'viewer (reads, numbers masked)'],
  ['operator', 'operator (QA calls, do-not-call)'],
  ['admin', 'admin (keys, routes, accounts)'],
];

/** Admins: the console's accounts; add one (its password shown once), change its role, disable it, unlock it. */
export function Operators(props: { me: Me }) {
  const [operators, setOperators] = useState<Operator[] | undefined>(undefined);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState('operator');
  const [password, setPassword] = useState('');
  const [made, setMade] = useState<{ username: string; password?: string } | undefined>(undefined);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<unknown>(undefined);
  const [errors, show, clear] = useFormErrors();
  const load = () =>
    get<{ operators: Operator[] }>('/operators')
      .then((r) => setOperators(r.operators))
      .catch(setProblem);
  useEffect(() => void load(), []);
  const add = async (e: Event) => {
    e.preventDefault();
    clear();
    try {
      setMade(await api<{ username: string; password?: string }>('POST', '/operators', { username, role, ...(password ? { password } : {}) }));
      setUsername('');
      setPassword('');
      await load();
    } catch (err) {
      show(err, 'username');
    }
  };
  const change = async (name: string, body: Record<string, unknown>, what: string) => {
    setProblem(undefined);
    try {
      await api('POST', `/operators/${encodeURIComponent(name)}`, body);
      setNote(`${name}: ${what}.`);
      await load();
    } catch (err) {
      setProblem(err);
    }
  };
  return (
    <section>
      <Problem error={problem} />
      <p role="status" class="note">
        {note}
      </p>
      {made && (
        <div class="secret" role="status">
          <p>
            Operator <code>{made.username}</code> added.{' '}
            {made.password ? 'Give them this password now: it is shown this once and never again.' : 'They sign in with the password you set.'}
          </p>
          {made.password && (
            <p>
              <code class="secret-value">{made.password}</code>
            </p>
          )}
          <button type="button" onClick={() => setMade(undefined)}>
            Done
          </button>
        </div>
      )}
      <form class="filters" aria-label="Add an operator" onSubmit={(e) => void add(e)}>
        <Field id="username" label="User name" value={username} onInput={setUsername} error={errors.username} placeholder="alice" required autoComplete="off" />
        <Select id="role" label="Role" value={role} options={ROLES} onChange={setRole} />
        <Field id="new-password" label="Password (empty: one is made and shown once)" type="password" value={password} onInput={setPassword} error={errors.password ?? errors['new-password']} autoComplete="new-password" />
        <button type="submit">Add operator</button>
      </form>
      {operators && (
        <Table
          caption="Operators"
          head={['User', 'Role', 'State', 'Since', 'Change']}
          rows={operators.map((o) => [
            o.username,
            o.username === props.me.user ? (
              o.role
            ) : (
              <select key="r" aria-label={`Role of ${o.username}`} value={o.role} onChange={(e) => void change(o.username, { role: (e.target as HTMLSelectElement).value }, `role set to ${(e.target as HTMLSelectElement).value}`)}>
                {ROLES.map(([v]) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            ),
            o.disabled ? 'disabled' : o.locked ? 'locked out' : 'active',
            when(o.createdAt),
            <span key="c" class="actions">
              {o.username !== props.me.user && (
                <button type="button" onClick={() => void change(o.username, { disabled: !o.disabled }, o.disabled ? 'enabled' : 'disabled')}>
                  {o.disabled ? 'Enable' : 'Disable'} <span class="sr">{o.username}</span>
                </button>
              )}
              {o.locked && (
                <button type="button" onClick={() => void change(o.username, { unlock: true }, 'unlocked')}>
                  Unlock <span class="sr">{o.username}</span>
                </button>
              )}
            </span>,
          ])}
          empty="No operator: add one above (or with pbxverify operator add)."
        />
      )}
    </section>
  );
}
