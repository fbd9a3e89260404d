import { useEffect, useState } from 'preact/hooks';
import { api, atLeast, get, setCsrf, whenSessionLost, type Me, type Role } from './api';
import { Login } from './pages/login';
import { Live } from './pages/live';
import { Verifications } from './pages/verifications';
import { Dashboard } from './pages/dashboard';
import { QaTester } from './pages/qa';
import { Prompts } from './pages/prompts';
import { Trunks } from './pages/trunks';
import { DoNotCall } from './pages/dnc';
import { Keys } from './pages/keys';
import { Operators } from './pages/operators';
import { Audit } from './pages/audit';


const PAGES: Array<{ path: string; title: string; role: Role; view: (me: Me) => preact.JSX.Element }> = [
  { path: 'live', title: 'Live', role: 'viewer', view: (me) => <Live me={me} /> },
  { path: 'verifications', title: 'Verifications', role: 'viewer', view: (me) => <Verifications me={me} /> },
  { path: 'dashboard', title: 'Dashboard', role: 'viewer', view: (me) => <Dashboard me={me} /> },
  { path: 'qa', title: 'QA tester', role: 'operator', view: () => <QaTester /> },
  { path: 'prompts', title: 'Prompts', role: 'viewer', view: () => <Prompts /> },
  { path: 'trunks', title: 'Trunks and routes', role: 'viewer', view: (me) => <Trunks me={me} /> },
  { path: 'do-not-call', title: 'Do-not-call', role: 'operator', view: () => <DoNotCall /> },
  { path: 'keys', title: 'API keys', role: 'operator', view: (me) => <Keys me={me} /> },
  { path: 'operators', title: 'Operators', role: 'admin', view: (me) => <Operators me={me} /> },
  { path: 'audit', title: 'Audit log', role: 'admin', view: () => <Audit /> },
];

function currentPath(): string {
  return location.pathname.replace(/^\/console\/?/, '') || 'live';
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [path, setPath] = useState(currentPath());

  useEffect(() => {
    whenSessionLost(() => setMe(null));
    get<Me>('/session')
      .then((s) => {
        setCsrf(s.csrf);
        setMe(s);
      })
      .catch(() => setMe(null));
    const onPop = (): void => setPath(currentPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    const page = PAGES.find((p) => p.path === path);
    document.title = `${page?.title ?? 'Console'} · pbxverify`;
  }, [path]);

  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null)
    return (
      <Login
        onIn={(s) => {
          setCsrf(s.csrf);
          setMe(s);
        }}
      />
    );

  const go = (to: string) => (e: Event) => {
    e.preventDefault();
    history.pushState(null, '', `/console/${to}`);
    setPath(to);
    document.getElementById('main')?.focus();
  };
  const visible = PAGES.filter((p) => atLeast(p.role, me.role));
  const page = visible.find((p) => p.path === path) ?? visible[0];
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">pbxverify</span>
        <nav aria-label="Pages">
          <ul>
            {visible.map((p) => (
              <li key={p.path}>
                <a href={`/console/${p.path}`} aria-current={p === page ? 'page' : undefined} onClick={go(p.path)}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {me.user} ({me.role})
        </span>
        <button
          type="button"
          onClick={() => {
            void api('POST', '/logout').finally(() => setMe(null));
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{page?.title}</h1>
        {page?.view(me)}
      </main>
    </div>
  );
}
