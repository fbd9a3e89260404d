import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../api';
import { Field, Problem, Table, useFormErrors } from '../ui';

export function DoNotCall() {
  const [numbers, setNumbers] = useState<string[] | undefined>(undefined);
  const [entry, setEntry] = useState('');
  const [problem, setProblem] = useState<unknown>(undefined);
  const [errors, show, clear] = useFormErrors();
  const load = () =>
    get<{ numbers: string[] }>('/v1/admin/do-not-call')
      .then((r) => setNumbers(r.numbers))
      .catch(setProblem);
  useEffect(() => void load(), []);
  const change = async (method: 'POST' | 'DELETE', list: string[]) => {
    clear();
    try {
      await api(method, '/v1/admin/do-not-call', { numbers: list });
      setEntry('');
      await load();
    } catch (e) {
      show(e, 'dnc-number');
    }
  };
  return (
    <section>
      <Problem error={problem} />
      <form
        class="filters"
        aria-label="Add a number"
        onSubmit={(e) => {
          e.preventDefault();
          void change('POST', [entry.trim()]);
        }}
      >
        <Field id="dnc-number" label="Number (E.164)" value={entry} onInput={setEntry} error={errors['dnc-number'] ?? errors.numbers} placeholder="+12025550100" />
        <button type="submit">Add to the list</button>
      </form>
      {numbers && (
        <Table
          caption={`Do-not-call list (${numbers.length})`}
          head={['Number', '']}
          rows={numbers.map((n) => [
            n,
            <button type="button" key="rm" onClick={() => void change('DELETE', [n])}>
              Remove <span class="sr">{n}</span>
            </button>,
          ])}
          empty="The list is empty. Numbers added here are refused before anything is dialled (NUMBER_DO_NOT_CALL)."
        />
      )}
    </section>
  );
}
