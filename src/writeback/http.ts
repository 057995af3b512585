/**
 * One HTTP request to a help desk, and what its answer means for delivery:
 * 2xx done; 429 (and 503 with Retry-After) wait what the vendor says; other
 * 5xx and network errors back off; any other 4xx is final — it goes to the
 * failed list with the vendor's answer, because repeating it cannot help.
 */

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** Serialised exactly once, so a signature covers the bytes sent. */
  body?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export class VendorError extends Error {
  override name = 'VendorError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs: number | undefined,
    readonly answer: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type Send = (req: HttpRequest) => Promise<HttpAnswer>;

export function httpSender(fetchFn: typeof fetch, timeoutMs: number): Send {
  return async (req) => {
    let res: Response;
    try {
      res = await fetchFn(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      throw new VendorError(
        `${req.method} ${req.url}: ${e.message}`,
        undefined,
        true,
        undefined,
        '',
        {
          cause: e,
        },
      );
    }
    const text = (await res.text()).slice(0, 2_000);
    if (res.ok) return { status: res.status, headers: res.headers, text };
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const retryable = res.status === 429 || res.status >= 500 || res.status === 408;
    throw new VendorError(
      `${req.method} ${new URL(req.url).pathname} answered ${res.status}`,
      res.status,
      retryable,
      retryable ? retryAfterMs : undefined,
      text,
    );
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };

/** The `body` of each item of a JSON list (at top level, or under `key`): for marker look-ups. */
export function bodiesOf(text: string, key?: string): string[] {
  try {
    const json = JSON.parse(text) as unknown;
    const list = key ? (json as Record<string, unknown>)?.[key] : json;
    if (!Array.isArray(list)) return [];
    return list
      .map((x) => (x && typeof x === 'object' ? (x as { body?: unknown }).body : undefined))
      .filter((b): b is string => typeof b === 'string');
  } catch {
    return [];
  }
}
