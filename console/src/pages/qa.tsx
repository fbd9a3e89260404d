import { useEffect, useRef, useState } from 'preact/hooks';
import { api, get, query } from '../api';
import { Empty, Field, Problem, Select, useFormErrors } from '../ui';
import { describe, useLiveEvents, type LiveEvent } from './live';
import { Timeline, type Detail } from './verifications';

interface SimCall {
  events: Array<{ type: string; item?: { prompt?: string } }>;
}

/** The code a simulated call spoke: the digit prompts between "your code is" and "I repeat". */
function spokenCode(call: SimCall | undefined): string | undefined {
  if (!call) return undefined;
  const prompts = call.events.flatMap((e) => (e.type === 'play' && e.item?.prompt ? [e.item.prompt] : []));
  const start = prompts.indexOf('your-code-is');
  if (start < 0) return undefined;
  const end = prompts.indexOf('i-repeat', start);
  const digits = prompts.slice(start + 1, end < 0 ? undefined : end).flatMap((p) => /^digit-([0-9])$/.exec(p)?.[1] ?? []);
  return digits.length ? digits.join('') : undefined;
}

interface TestNumber {
  number: string;
  behaviour: string;
  description?: string;
}

/** Start a verification to a simulator test number (or any number), watch it, hear it, check a code. */
export function QaTester() {
  const [numbers, setNumbers] = useState<TestNumber[]>([]);
  const [workflows, setWorkflows] = useState<string[]>([]);
  const [to, setTo] = useState('');
  const [kind, setKind] = useState('call');
  const [id, setId] = useState<string | undefined>(undefined);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [code, setCode] = useState('');
  const [result, setResult] = useState<string | undefined>(undefined);
  const [detail, setDetail] = useState<Detail | undefined>(undefined);
  const [sms, setSms] = useState<string | undefined>(undefined);
  const [spoken, setSpoken] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  const [errors, show, clear] = useFormErrors();

  useEffect(() => {
    get<{ numbers: TestNumber[] }>('/v1/simulator/numbers')
      .then((r) => {
        setNumbers(r.numbers);
        if (r.numbers[0]) setTo(r.numbers[0].number);
      })
      .catch(() => setNumbers([]));
    get<{ workflows: Array<{ name: string }> }>('/v1/workflows')
      .then((r) => setWorkflows(r.workflows.map((w) => w.name)))
      .catch(() => setWorkflows([]));
  }, []);
  // the stream's handler outlives renders: it reads the current test from a ref
  const current = useRef<string | undefined>(undefined);
  current.current = id;
  const refreshLatest = useRef<(vid: string) => Promise<void>>(async () => undefined);
  useLiveEvents({}, (e) => {
    if (e.verificationId !== current.current) return;
    setEvents((l) => [...l, e]);
    if (e.type === 'attempt.ended' || e.type.startsWith('verification.') || e.type.startsWith('sms.')) void refreshLatest.current(e.verificationId);
  });
  const refresh = async (vid = id) => {
    if (!vid) return;
    try {
      setDetail(await get<Detail>(`/v1/verifications/${vid}`));
      const messages = await get<{ messages: Array<{ body: string }> }>(`/v1/simulator/messages${query({ to })}`);
      setSms(messages.messages.at(-1)?.body);
      const calls = await get<{ calls: SimCall[] }>(`/v1/simulator/calls${query({ to })}`);
      setSpoken(spokenCode(calls.calls.at(-1)));
    } catch (e) {
      setProblem(e);
    }
  };
  refreshLatest.current = refresh;
  const start = async (e: Event) => {
    e.preventDefault();
    clear();
    setProblem(undefined);
    setEvents([]);
    setResult(undefined);
    setDetail(undefined);
    try {
      const body = kind.startsWith('workflow:') ? { to, workflow: kind.slice('workflow:'.length) } : { to, channel: kind };
      const made = await api<{ id: string }>('POST', '/v1/verifications', body);
      setId(made.id);
      await refresh(made.id);
    } catch (err) {
      show(err, 'to');
    }
  };
  const check = async (e: Event) => {
    e.preventDefault();
    if (!id) return;
    try {
      const r = await api<{ status: string }>('POST', `/v1/verifications/${id}/check`, { code });
      setResult(r.status);
      await refresh();
    } catch (err) {
      show(err, 'code');
    }
  };
  const kinds: Array<[string, string]> = [['call', 'voice call'], ['reverse', 'reverse (keypad)'], ['sms', 'SMS'], ...workflows.map((w): [string, string] => [`workflow:${w}`, `workflow ${w}`])];
  return (
    <section>
      <form class="filters" aria-label="Start a test" onSubmit={(e) => void start(e)}>
        <Field id="qa-to" label="Number" value={to} onInput={setTo} list="qa-numbers" error={errors.to} placeholder="+12025550100" />
        <datalist id="qa-numbers">
          {numbers.map((n) => (
            <option value={n.number} key={n.number}>
              {n.behaviour}
            </option>
          ))}
        </datalist>
        <Select id="qa-kind" label="What" value={kind} options={kinds} onChange={setKind} />
        <button type="submit">Start test</button>
      </form>
      {numbers.length > 0 && (
        <details>
          <summary>Simulator test numbers</summary>
          <ul>
            {numbers.map((n) => (
              <li key={n.number}>
                <code>{n.number}</code> {n.behaviour} {n.description ?? ''}
              </li>
            ))}
          </ul>
        </details>
      )}
      <Problem error={problem} />
      {!id ? (
        <Empty>Pick a number (the simulator's test numbers answer, ring out, are busy…) and start a test; its events and audio show here.</Empty>
      ) : (
        <>
          <h2>
            Test <code>{id}</code>
          </h2>
          <ol class="log" role="log" aria-label="Test events">
            {events.map((e) => (
              <li key={e.seq} data-type={e.type}>
                {describe(e)}
              </li>
            ))}
          </ol>
          {spoken && (
            <p>
              The simulated callee heard the code <strong class="spoken">{spoken}</strong>.
            </p>
          )}
          {sms && (
            <p>
              Last simulated SMS: <q>{sms}</q>
            </p>
          )}
          <form class="filters" aria-label="Check a code" onSubmit={(e) => void check(e)}>
            <Field id="qa-code" label="Code" value={code} onInput={setCode} error={errors.code} autoComplete="one-time-code" />
            <button type="submit">Check</button>
            <button type="button" onClick={() => void refresh()}>
              Refresh
            </button>
          </form>
          {result && (
            <p class="result" role="status">
              Check result: <strong>{result}</strong>
            </p>
          )}
          {detail && <Timeline detail={detail} canHear={true} />}
        </>
      )}
    </section>
  );
}
