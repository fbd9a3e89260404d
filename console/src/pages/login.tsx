import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { Field, useFormErrors } from '../ui';

export function Login(props: { onIn: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, show, clear] = useFormErrors();
  const submit = async (e: Event) => {
    e.preventDefault();
    clear();
    setBusy(true);
    try {
      props.onIn(await api<Me>('POST', '/login', { username, password }));
    } catch (err) {
      show(err, 'password');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <h1>Sign in to pbxverify</h1>
      <form onSubmit={(e) => void submit(e)}>
        <Field id="username" label="User name" value={username} onInput={setUsername} error={errors.username} autoComplete="username" required />
        <Field id="password" label="Password" type="password" value={password} onInput={setPassword} error={errors.password} autoComplete="current-password" required />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p class="hint">No account? An admin adds one with <code>pbxverify operator add NAME --role viewer</code>.</p>
    </main>
  );
}
