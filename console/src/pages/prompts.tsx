import { useEffect, useState } from 'preact/hooks';
import { get, query } from '../api';
import { Empty, Field, Problem, Select, Table } from '../ui';

interface Pack {
  lang: string;
  name: string;
  prompts: Array<{ id: string; ms: number }>;
}

export function Prompts() {
  const [packs, setPacks] = useState<Pack[] | undefined>(undefined);
  const [lang, setLang] = useState('');
  const [code, setCode] = useState('482913');
  const [rendered, setRendered] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  useEffect(() => {
    get<{ languages: Pack[] }>('/prompts')
      .then((r) => {
        setPacks(r.languages);
        setLang(r.languages[0]?.lang ?? '');
      })
      .catch(setProblem);
  }, []);
  const pack = packs?.find((p) => p.lang === lang);
  return (
    <section>
      <Problem error={problem} />
      {packs && packs.length === 0 && <Empty>No language pack is installed. Run `pbxverify prompts install` (docs/prompts.md).</Empty>}
      {packs && packs.length > 0 && (
        <>
          <form
            class="filters"
            aria-label="Render a code"
            onSubmit={(e) => {
              e.preventDefault();
              setRendered(`/console/api/render${query({ lang, code })}`);
            }}
          >
            <Select id="pack" label="Language pack" value={lang} options={packs.map((p) => [p.lang, `${p.name} (${p.lang})`])} onChange={setLang} />
            <Field id="render-code" label="Code to render" value={code} onInput={setCode} />
            <button type="submit">Render</button>
          </form>
          {rendered && (
            <div class="player">
              <span id="rendered-label">The code as a voice call says it:</span>
              <audio controls aria-labelledby="rendered-label" src={rendered} />
            </div>
          )}
          <Table
            caption={`Prompts of ${lang}`}
            head={['Prompt', 'Length', 'Play']}
            rows={(pack?.prompts ?? []).map((p) => [<code key="id">{p.id}</code>, `${(p.ms / 1000).toFixed(2)} s`, <audio key="a" controls preload="none" aria-label={`Play ${p.id}`} src={`/console/api/prompts/${lang}/${p.id}`} />])}
            empty="This pack has no prompts."
          />
        </>
      )}
    </section>
  );
}
