import { useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';
import { Field, useFormErrors } from '../ui';

/** A trunk as GET /v1/admin/routing shows it (the configuration file with the admins' edits laid over it). */
export interface TrunkSetting {
  name: string;
  enabled?: boolean;
  maxConcurrent?: number;
  cps?: number;
  callerIds: string[];
}

export type RouteTrunk = string | { name: string; weight: number };

export interface RouteSetting {
  name: string;
  match: { countries?: string[]; prefixes?: string[]; channels?: string[]; numberTypes?: string[] };
  trunks: RouteTrunk[];
}

export interface Override {
  kind: 'trunk' | 'route';
  name: string;
  updatedAt: number;
  updatedBy: string;
}

/** A refused edit names the problem the server found (`routes.gb.trunks.0: unknown trunk "x"`), not only its code. */
const explain = (err: unknown): unknown => {
  if (!(err instanceof ApiFailure)) return err;
  const d = err.error.details;
  const first = Array.isArray(d?.problems) ? (d.problems[0] as unknown) : Array.isArray(d?.issues) ? (d.issues[0] as { message?: unknown } | undefined)?.message : undefined;
  return typeof first === 'string' ? new ApiFailure(err.status, { ...err.error, message: first }) : err;
};

const path = (kind: 'trunk' | 'route', name: string): string => `/v1/admin/routing/${kind}s/${encodeURIComponent(name)}`;
/** A number field: empty keeps the file's value; anything else goes to the server as typed (it validates). */
const numberOrText = (v: string): number | string | undefined => (v.trim() === '' ? undefined : Number.isFinite(Number(v)) ? Number(v) : v);

/** One trunk's drain switch, caps and caller-ID pool; saved as an override (validated by the server's config schema). */
export function TrunkEditor(props: { trunk: TrunkSetting; override: Override | undefined; onSaved: (note: string) => void }) {
  const t = props.trunk;
  const id = (field: string) => `trunk-${t.name}-${field}`;
  const [enabled, setEnabled] = useState(t.enabled !== false);
  const [max, setMax] = useState(t.maxConcurrent === undefined ? '' : String(t.maxConcurrent));
  const [cps, setCps] = useState(t.cps === undefined ? '' : String(t.cps));
  const [pool, setPool] = useState(t.callerIds.join(', '));
  const [errors, show, clear] = useFormErrors();
  const save = async (e: Event) => {
    e.preventDefault();
    clear();
    const body = { enabled, maxConcurrent: numberOrText(max), cps: numberOrText(cps), callerIds: pool.split(/[\s,]+/).filter(Boolean) };
    try {
      await api('PUT', path('trunk', t.name), body);
      props.onSaved(`Trunk ${t.name} saved and applied.`);
    } catch (err) {
      show(explain(err), 'form');
    }
  };
  const reset = async () => {
    clear();
    try {
      await api('DELETE', path('trunk', t.name));
      props.onSaved(`Trunk ${t.name}: back to the configuration file's values.`);
    } catch (err) {
      show(explain(err), 'form');
    }
  };
  return (
    <form class="edit" aria-label={`Edit trunk ${t.name}`} onSubmit={(e) => void save(e)}>
      <fieldset>
        <legend>
          Trunk <code>{t.name}</code>
          {props.override ? ` (edited by ${props.override.updatedBy})` : ' (as in the configuration file)'}
        </legend>
        <label class="check">
          <input id={id('enabled')} type="checkbox" checked={enabled} onChange={(e) => setEnabled((e.target as HTMLInputElement).checked)} /> takes new calls (clear to drain)
        </label>
        {errors.enabled && (
          <span class="field-error" role="alert">
            {errors.enabled}
          </span>
        )}
        <Field id={id('maxConcurrent')} label="Max concurrent calls" value={max} onInput={setMax} error={errors.maxConcurrent} placeholder="from the file" />
        <Field id={id('cps')} label="Calls per second" value={cps} onInput={setCps} error={errors.cps} placeholder="from the file" />
        <Field id={id('callerIds')} label="Caller-ID pool (E.164, comma-separated)" value={pool} onInput={setPool} error={errors.callerIds} />
        {errors.form && (
          <p class="field-error" role="alert">
            {errors.form}
          </p>
        )}
        <button type="submit">
          Save <span class="sr">trunk {t.name}</span>
        </button>
        {props.override && (
          <button type="button" onClick={() => void reset()}>
            Use the file's values <span class="sr">for trunk {t.name}</span>
          </button>
        )}
      </fieldset>
    </form>
  );
}

const nameOf = (t: RouteTrunk): string => (typeof t === 'string' ? t : t.name);

/** One route's trunks: failover order (move up or down) or weights (all or none). */
export function RouteEditor(props: { route: RouteSetting; override: Override | undefined; onSaved: (note: string) => void }) {
  const r = props.route;
  const [order, setOrder] = useState<string[]>(r.trunks.map(nameOf));
  const [weights, setWeights] = useState<Record<string, string>>(Object.fromEntries(r.trunks.map((t) => [nameOf(t), typeof t === 'string' ? '' : String(t.weight)])));
  const [errors, show, clear] = useFormErrors();
  const move = (i: number, by: number) => {
    const next = [...order];
    const [item] = next.splice(i, 1);
    if (item === undefined) return;
    next.splice(i + by, 0, item);
    setOrder(next);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    clear();
    const weighted = order.some((n) => (weights[n] ?? '') !== '');
    const trunks = order.map((n) => (weighted ? { name: n, weight: numberOrText(weights[n] ?? '') } : n));
    try {
      await api('PUT', path('route', r.name), { trunks });
      props.onSaved(`Route ${r.name} saved and applied.`);
    } catch (err) {
      show(explain(err), 'trunks');
    }
  };
  const reset = async () => {
    clear();
    try {
      await api('DELETE', path('route', r.name));
      props.onSaved(`Route ${r.name}: back to the configuration file's order.`);
    } catch (err) {
      show(explain(err), 'trunks');
    }
  };
  const id = `route-${r.name}`;
  return (
    <form class="edit" aria-label={`Edit route ${r.name}`} onSubmit={(e) => void save(e)}>
      <fieldset>
        <legend>
          Route <code>{r.name}</code> ({describeMatch(r)}){props.override ? ` — edited by ${props.override.updatedBy}` : ''}
        </legend>
        <ol class="route-trunks" aria-describedby={errors.trunks ? `${id}-error` : undefined}>
          {order.map((n, i) => (
            <li key={n}>
              <code>{n}</code>
              <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>
                Up <span class="sr">{n}</span>
              </button>
              <button type="button" disabled={i === order.length - 1} onClick={() => move(i, 1)}>
                Down <span class="sr">{n}</span>
              </button>
              <Field id={`${id}-weight-${n}`} label={`Weight of ${n} (empty: failover order)`} value={weights[n] ?? ''} onInput={(v) => setWeights({ ...weights, [n]: v })} />
            </li>
          ))}
        </ol>
        {errors.trunks && (
          <p id={`${id}-error`} class="field-error" role="alert">
            {errors.trunks}
          </p>
        )}
        <button type="submit">
          Save <span class="sr">route {r.name}</span>
        </button>
        {props.override && (
          <button type="button" onClick={() => void reset()}>
            Use the file's order <span class="sr">for route {r.name}</span>
          </button>
        )}
      </fieldset>
    </form>
  );
}

export function describeMatch(r: RouteSetting): string {
  const m = r.match;
  const parts = [m.countries?.join(' '), m.prefixes?.join(' '), m.numberTypes?.join(' '), m.channels?.join(' ')].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'every number';
}
