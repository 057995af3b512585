/**
 * What the simulator received, for tests to assert on. Secrets in headers are
 * replaced by "[redacted]"; the body is kept as parsed JSON (or text).
 */
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** null while the request is still being answered (e.g. a hang). */
  status: number | null;
  /** Simulator-clock milliseconds when the request arrived. */
  at: number;
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization']);

export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase())
      ? '[redacted]'
      : Array.isArray(value)
        ? value.join(', ')
        : value;
  }
  return out;
}

export class RequestLog {
  #entries: RequestLogEntry[] = [];

  constructor(private readonly limit: () => number) {}

  add(entry: RequestLogEntry): RequestLogEntry {
    this.#entries.push(entry);
    const overflow = this.#entries.length - this.limit();
    if (overflow > 0) this.#entries.splice(0, overflow);
    return entry;
  }

  list(): RequestLogEntry[] {
    return this.#entries.map((e) => structuredClone(e));
  }

  clear(): number {
    const n = this.#entries.length;
    this.#entries = [];
    return n;
  }
}
