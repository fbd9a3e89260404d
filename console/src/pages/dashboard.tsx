import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { atLeast, get, query, type Me } from '../api';
import { Field, Problem, Select, Table } from '../ui';

interface Row {
  group: string;
  started: number;
  delivered: number;
  verified: number;
  conversion_rate: number;
  median_time_to_verify_ms: number | null;
  cost: string | null;
  cost_per_verified: string | null;
  currency: string | null;
}

const GROUPS: Array<[string, string]> = [['day', 'day'], ['country', 'country'], ['channel', 'channel'], ['trunk', 'trunk'], ['key', 'API key']];
const DAY = 86_400_000;
const dateInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

/** Conversion, answer-seizure ratio and cost per verified by day, as lines (uPlot: 50 KB, canvas). */
function DayChart(props: { rows: Row[]; from: number; to: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || props.rows.length === 0) return;
    const xs = props.rows.map((r) => Date.parse(r.group) / 1000);
    const data: uPlot.AlignedData = [xs, props.rows.map((r) => r.conversion_rate * 100), props.rows.map((r) => (r.started ? (r.delivered / r.started) * 100 : 0)), props.rows.map((r) => (r.cost_per_verified === null ? null : Number(r.cost_per_verified)))];
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = { stroke: dark ? '#ccc' : '#333', grid: { stroke: dark ? '#333' : '#ddd' } };
    const plot = new uPlot(
      {
        width: Math.min(900, box.current.clientWidth || 600),
        height: 260,
        series: [{}, { label: 'Conversion %', stroke: '#2b7bb9', width: 2 }, { label: 'ASR %', stroke: '#c9651c', width: 2, dash: [6, 4] }, { label: 'Cost per verified', stroke: '#2e8b57', width: 2, scale: 'cost' }],
        axes: [axis, { ...axis, label: '%' }, { ...axis, side: 1, scale: 'cost', label: 'cost' }],
        // the chosen range, not just the days with data
        scales: { x: { time: true, range: [props.from / 1000, props.to / 1000] }, y: { range: [0, 100] } },
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [props.rows, props.from, props.to]);
  return <div ref={box} class="chart" role="img" aria-label="Conversion, answer-seizure ratio and cost per verified by day; the same figures are in the table below" />;
}

export function Dashboard(props: { me: Me }) {
  const now = Date.now();
  const [from, setFrom] = useState(dateInput(now - 13 * DAY));
  const [to, setTo] = useState(dateInput(now));
  const [groupBy, setGroupBy] = useState('day');
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [problem, setProblem] = useState<unknown>(undefined);
  // UTC days, as the report's `day` groups are: whole days are read from the roll-up (docs/history.md)
  const range = () => ({ from: new Date(`${from}T00:00:00Z`).toISOString(), to: new Date(new Date(`${to}T00:00:00Z`).getTime() + DAY).toISOString() });
  const load = async () => {
    setProblem(undefined);
    try {
      setRows((await get<{ rows: Row[] }>(`/v1/reports/conversion${query({ group_by: groupBy, ...range() })}`)).rows);
    } catch (e) {
      setProblem(e);
    }
  };
  useEffect(() => void load(), [groupBy]);
  const totals = (rows ?? []).reduce((t, r) => ({ started: t.started + r.started, delivered: t.delivered + r.delivered, verified: t.verified + r.verified }), { started: 0, delivered: 0, verified: 0 });
  return (
    <section>
      <form
        class="filters"
        aria-label="Range"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <Field id="dash-from" label="From" type="date" value={from} onInput={setFrom} />
        <Field id="dash-to" label="To (inclusive)" type="date" value={to} onInput={setTo} />
        <Select id="dash-group" label="Group by" value={groupBy} options={GROUPS} onChange={setGroupBy} />
        <button type="submit">Show</button>
        {atLeast('operator', props.me.role) && (
          <a class="button" href={`/console/api/v1/reports/attempts.csv${query(range())}`} download>
            Download attempts (CSV)
          </a>
        )}
      </form>
      <Problem error={problem} />
      {rows && (
        <>
          <p class="totals">
            {totals.started} started · {totals.delivered} delivered · {totals.verified} verified · conversion {totals.started ? pct(totals.verified / totals.started) : '—'} · ASR {totals.started ? pct(totals.delivered / totals.started) : '—'}
          </p>
          {groupBy === 'day' && rows.length > 0 && <DayChart rows={rows} from={Date.parse(range().from)} to={Date.parse(range().to) - DAY / 2} />}
          <Table
            caption={`Conversion by ${groupBy}`}
            head={[groupBy, 'Started', 'Delivered', 'Verified', 'Conversion', 'ASR', 'Median time to verify', 'Cost', 'Cost per verified']}
            rows={rows.map((r) => [r.group, r.started, r.delivered, r.verified, pct(r.conversion_rate), r.started ? pct(r.delivered / r.started) : '—', r.median_time_to_verify_ms === null ? '—' : `${(r.median_time_to_verify_ms / 1000).toFixed(1)} s`, r.cost ? `${r.cost} ${r.currency ?? ''}` : '—', r.cost_per_verified ?? '—'])}
            empty="No verification in this range. Pick a wider range, or start one on the QA tester page."
          />
        </>
      )}
    </section>
  );
}
