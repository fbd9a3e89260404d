/** The console's calls to /console/api: same-origin, the session cookie, the CSRF token on changes. */
export interface ApiError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }

  /** The field the server named, so the form can show the error next to it. */
  get field(): string | undefined {
    const d = this.error.details;
    const f = d?.field ?? (Array.isArray(d?.issues) ? (d.issues[0] as { field?: string } | undefined)?.field : undefined);
    return typeof f === 'string' ? f : undefined;
  }
}

let csrf = '';
export function setCsrf(token: string): void {
  csrf = token;
}

let onSessionLost: () => void = () => undefined;
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/console/api${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const error = (parsed as { error?: ApiError } | undefined)?.error ?? { code: 'HTTP_' + res.status, message: res.statusText };
    if (error.code === 'CONSOLE_SESSION_REQUIRED' && path !== '/session') onSessionLost();
    throw new ApiFailure(res.status, error);
  }
  return parsed as T;
}

export const get = <T,>(path: string): Promise<T> => api<T>('GET', path);

/** `?a=1&b=2` from the set values. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Times in the viewer's own zone. */
export function when(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export type Role = 'viewer' | 'operator' | 'admin';
export const atLeast = (wanted: Role, actual: Role): boolean => ['viewer', 'operator', 'admin'].indexOf(actual) >= ['viewer', 'operator', 'admin'].indexOf(wanted);

/** The signed-in operator, as GET /console/api/session answers. */
export interface Me {
  user: string;
  role: Role;
  csrf: string;
}
