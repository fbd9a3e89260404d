import { useEffect, useState } from 'preact/hooks';
import { api, atLeast, get, type Me } from '../api';
import { Field, Problem, Table, useFormErrors } from '../ui';

interface Key {
  id: string;
  name: string;
  channels: string[];
  admin: boolean;
  reports: boolean;
  source: 'config' | 'console';
  disabled: boolean;
  revoked: boolean;
  createdBy: string | null;
}

const CHANNELS = ['call', 'reverse', 'sms'];

export function Keys(props: { me: Me }) {
  const admin = atLeast('admin', props.me.role);
  const [keys, setKeys] = useState<Key[] | undefined>(undefined);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [channels, setChannels] = useState<string[]>(['call', 'sms']);
  const [reports, setReports] = useState(false);
  const [made, setMade] = useState<{ id: string; secret: string } | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [errors, show, clear] = useFormErrors();
  const load = () =>
    get<{ keys: Key[] }>('/keys')
      .then((r) => setKeys(r.keys))
      .catch(setProblem);
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    clear();
    try {
      setMade(await api<{ id: string; secret: string }>('POST', '/keys', { id, name, channels, reports }));
      setId('');
      setName('');
      await load();
    } catch (err) {
      show(err, 'key-id');
    }
  };
  const revoke = async (keyId: string) => {
    if (!confirm(`Revoke key ${keyId}? Its requests are refused from now on.`)) return;
    try {
      await api('DELETE', `/keys/${encodeURIComponent(keyId)}`);
      await load();
    } catch (err) {
      setProblem(err);
    }
  };
  return (
    <section>
      <Problem error={problem} />
      {made && (
        <div class="secret" role="status">
          <p>
            Key <code>{made.id}</code> made. Copy its secret now: it is shown this once and never again.
          </p>
          <p>
            <code class="secret-value">{made.secret}</code>
          </p>
          <button type="button" onClick={() => setMade(undefined)}>
            I have copied it
          </button>
        </div>
      )}
      {admin && (
        <form class="filters" aria-label="Create a key" onSubmit={(e) => void create(e)}>
          <Field id="key-id" label="Key id" value={id} onInput={setId} error={errors['key-id'] ?? errors.id} placeholder="shop-eu" required />
          <Field id="key-name" label="Name" value={name} onInput={setName} error={errors.name} placeholder="Web shop (EU)" required />
          <fieldset>
            <legend>Channels</legend>
            {CHANNELS.map((c) => (
              <label key={c} class="check">
                <input type="checkbox" checked={channels.includes(c)} onChange={(e) => setChannels((e.target as HTMLInputElement).checked ? [...channels, c] : channels.filter((x) => x !== c))} /> {c}
              </label>
            ))}
            {errors.channels && (
              <span class="field-error" role="alert">
                {errors.channels}
              </span>
            )}
          </fieldset>
          <label class="check">
            <input type="checkbox" checked={reports} onChange={(e) => setReports((e.target as HTMLInputElement).checked)} /> may read history and reports
          </label>
          <button type="submit">Create key</button>
        </form>
      )}
      {keys && (
        <Table
          caption="API keys (secrets are never shown again)"
          head={['Id', 'Name', 'Channels', 'Rights', 'From', 'State', '']}
          rows={keys.map((k) => [
            <code key="id">{k.id}</code>,
            k.name,
            k.channels.join(', '),
            [k.admin ? 'admin' : '', k.reports ? 'reports' : ''].filter(Boolean).join(', ') || '—',
            k.source === 'config' ? 'configuration file' : `console (${k.createdBy ?? ''})`,
            k.revoked ? 'revoked' : k.disabled ? 'disabled' : 'active',
            admin && k.source === 'console' && !k.revoked ? (
              <button type="button" key="rv" onClick={() => void revoke(k.id)}>
                Revoke <span class="sr">{k.id}</span>
              </button>
            ) : (
              ''
            ),
          ])}
          empty="No API key yet. Create one above, or configure keys in the configuration file."
        />
      )}
    </section>
  );
}
