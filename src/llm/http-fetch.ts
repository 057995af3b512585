import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * The Anthropic client's `fetch` (issue 13): node:http over keep-alive
 * sockets, the answer read whole into one buffer. The global fetch (undici)
 * runs every request and answer through web streams, which cost a tenth of
 * the worker's CPU per ticket; a Messages answer is a few kB of JSON read at
 * once anyway. Request bodies are sent as they come (the SDK's JSON string,
 * already redacted by src/llm/redact-fetch.ts when QC_REDACT is on);
 * `json()` and `text()` read the buffer, and a clone shares its parse, so a
 * middleware reading the usage (src/llm/rate-middleware.ts) does not parse
 * the answer a second time. Aborts (the job's signal, the SDK's timeout)
 * destroy the socket and reject with an AbortError, as fetch does.
 */

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A successful JSON answer to a POST (a Message, a token count, a batch
 * created or cancelled) is read only through `json()`/`text()`: its Response
 * is built with no body stream at all — making one is most of what
 * `new Response(buf)` costs, once per model call — and answers from the
 * buffer. The SDK reads `.body` only to stream: SSE, which this fetch does
 * not do, and the batch results file, a GET, which keeps its stream whatever
 * its content type. Error answers keep theirs too: src/llm/retry.ts rebuilds
 * them from `.body`. A middleware that rebuilt a successful answer from
 * `.body` would get an empty one: read it with `clone().json()` instead.
 */
function streamless(method: string, status: number, headers: Headers): boolean {
  return (
    method === 'POST' &&
    status >= 200 &&
    status < 300 &&
    /^application\/json\s*(;|$)/i.test(headers.get('content-type') ?? '')
  );
}

/** A Response over a buffer already read: its readers answer from the buffer, not a stream. */
function bufferedResponse(
  buf: Buffer,
  init: { status: number; statusText: string; headers: Headers },
  url: string,
  method: string,
  parsed: { value?: unknown } = {},
): Response {
  const res = new Response(
    NO_BODY.has(init.status) || streamless(method, init.status, init.headers) ? null : buf,
    init,
  );
  const text = async () => buf.toString('utf8');
  Object.defineProperties(res, {
    url: { value: url },
    text: { value: text },
    json: {
      value: async () => {
        if (!('value' in parsed)) parsed.value = JSON.parse(buf.toString('utf8'));
        return parsed.value;
      },
    },
    arrayBuffer: {
      value: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    },
    bytes: { value: async () => new Uint8Array(buf) },
    blob: {
      value: async () => new Blob([buf], { type: res.headers.get('content-type') ?? '' }),
    },
    clone: {
      value: () =>
        bufferedResponse(
          buf,
          { status: res.status, statusText: res.statusText, headers: res.headers },
          url,
          method,
          parsed,
        ),
    },
  });
  return res;
}

/**
 * We ask for no encoding, but a proxy may still compress (fetch would have
 * decoded it): decoded here, and its headers dropped as fetch does.
 */
function decoded(buf: Buffer, h: Headers): Buffer {
  const enc = h.get('content-encoding')?.trim().toLowerCase();
  if (!enc || enc === 'identity' || buf.byteLength === 0) return buf;
  const out =
    enc === 'gzip' || enc === 'x-gzip'
      ? gunzipSync(buf)
      : enc === 'deflate'
        ? inflateSync(buf)
        : enc === 'br'
          ? brotliDecompressSync(buf)
          : undefined;
  if (!out) throw new Error(`http fetch: unsupported content-encoding ${enc}`);
  h.delete('content-encoding');
  h.delete('content-length');
  return out;
}

function bodyBytes(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // FormData, streams, blobs: not what the Messages API is sent; refuse rather than send garbage.
  throw new TypeError(
    `http fetch: unsupported request body (${Object.prototype.toString.call(body)})`,
  );
}

function headersOf(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, v] of h instanceof Headers ? h : new Headers(h)) out[k] = v;
  return out;
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

export function httpFetch(opts: { maxSockets?: number } = {}): typeof fetch {
  const agent = {
    keepAlive: true,
    scheduling: 'lifo' as const,
    // No cap of its own by default: QC_CONCURRENCY and the rate limiter bound the requests in flight.
    maxSockets: opts.maxSockets ?? Number.POSITIVE_INFINITY,
  };
  const agents = { http: new http.Agent(agent), https: new https.Agent(agent) };
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const signal = init?.signal ?? undefined;
      if (signal?.aborted) return reject(abortError(signal));
      const body = bodyBytes(init?.body);
      const headers = headersOf(init?.headers);
      if (body) headers['content-length'] = String(body.byteLength);
      const secure = url.startsWith('https:');
      const method = (init?.method ?? 'GET').toUpperCase();
      const req = (secure ? https : http).request(url, {
        method,
        headers,
        agent: secure ? agents.https : agents.http,
      });
      const onAbort = () => {
        req.destroy(abortError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      req.on('error', (err) => {
        done();
        reject(signal?.aborted ? abortError(signal) : err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          done();
          reject(signal?.aborted ? abortError(signal) : err);
        });
        res.on('end', () => {
          done();
          const h = new Headers();
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2)
            h.append(raw[i] as string, raw[i + 1] as string);
          let buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          try {
            buf = decoded(buf, h);
          } catch (err) {
            return reject(err);
          }
          const status = res.statusCode ?? 0;
          resolve(
            bufferedResponse(
              buf,
              { status, statusText: res.statusMessage ?? '', headers: h },
              url,
              method,
            ),
          );
        });
      });
      req.end(body);
    });
}
