import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiFailure } from './api';

/** A labelled input with its error shown next to it (and announced). */
export function Field(props: { id: string; label: string; value: string; onInput: (v: string) => void; error?: string | undefined; type?: string; placeholder?: string; list?: string; required?: boolean; autoComplete?: string }) {
  const errorId = `${props.id}-error`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        list={props.list}
        required={props.required}
        autoComplete={props.autoComplete}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.error && (
        <span id={errorId} class="field-error" role="alert">
          {props.error}
        </span>
      )}
    </div>
  );
}

export function Select(props: { id: string; label: string; value: string; options: Array<[string, string]>; onChange: (v: string) => void }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map(([value, label]) => (
          <option value={value} key={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** An empty state that says what to do. */
export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

export function Problem(props: { error: unknown }) {
  if (!props.error) return null;
  const e = props.error;
  const text = e instanceof ApiFailure ? `${e.error.message} (${e.error.code})` : e instanceof Error ? e.message : 'Something went wrong; reload the page.';
  return (
    <p class="problem" role="alert">
      {text}
    </p>
  );
}

/** Errors by field for a form, from an ApiFailure (or the form's own note when no field is named). */
export function useFormErrors(): [Record<string, string>, (e: unknown, fallback: string) => void, () => void] {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const show = (e: unknown, fallback: string): void => {
    if (e instanceof ApiFailure) setErrors({ [e.field?.split('.')[0] ?? fallback]: `${e.error.message} (${e.error.code})` });
    else setErrors({ [fallback]: e instanceof Error ? e.message : String(e) });
  };
  return [errors, show, () => setErrors({})];
}

export function Table(props: { caption: string; head: string[]; rows: ComponentChildren[][]; empty: ComponentChildren }) {
  if (props.rows.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
