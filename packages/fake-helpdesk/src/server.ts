import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault, RecordedRequest, Reply, StoredNote, Vendor } from './types.js';
import { VENDORS } from './types.js';
import { HANDLERS, HelpdeskState, RATE_HEADERS } from './vendors.js';

export interface FakeHelpdeskOptions {
  port?: number;
  host?: string;
  /**
   * The exact Authorization header each vendor must receive; a request
   * without it gets that vendor's 401. Unset: any credentials are accepted.
   */
  authorization?: Partial<Record<Vendor, string>>;
}

export interface FakeHelpdesk {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** The base URL a client uses for one vendor: `${url}/${vendor}`. */
  baseUrl(vendor: Vendor): string;
  requests(filter?: Partial<Pick<RecordedRequest, 'vendor' | 'method'>>): RecordedRequest[];
  /** Resolves once at least `n` requests match (already recorded ones count). */
  waitForRequests(
    n: number,
    filter?: Partial<Pick<RecordedRequest, 'vendor' | 'method'>>,
    timeoutMs?: number,
  ): Promise<RecordedRequest[]>;
  /** Queue a canned answer for the next matching request(s). */
  fail(fault: Fault): void;
  notes(vendor?: Vendor): StoredNote[];
  tagsOf(vendor: Vendor, ticket: string): string[];
  setTags(vendor: Vendor, ticket: string, tags: string[]): void;
  close(): Promise<void>;
}

const UNAUTHORIZED: Record<Vendor, unknown> = {
  zendesk: { error: "Couldn't authenticate you" },
  jira: {
    errorMessages: [
      'You are not authenticated. Authentication required to perform this operation.',
    ],
  },
  freshdesk: {
    code: 'invalid_credentials',
    message: 'You have to be logged in to perform this action.',
  },
  servicenow: {
    error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
    status: 'failure',
  },
  generic: { error: 'unauthorized' },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply, extra: Record<string, string>): void {
  const headers: Record<string, string> = { ...extra, ...reply.headers };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  headers['content-type'] ??= typeof reply.body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(reply.status, headers).end(text);
}

/** Starts the fake help desk on a free port (or `port`). */
export async function startFakeHelpdesk(opts: FakeHelpdeskOptions = {}): Promise<FakeHelpdesk> {
  const state = new HelpdeskState();
  const recorded: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const events = new EventEmitter();
  let seq = 0;

  const takeFault = (vendor: Vendor, method: string, path: string): Fault | undefined => {
    const i = faults.findIndex(
      (f) =>
        (!f.vendor || f.vendor === vendor) &&
        (!f.method || f.method === method) &&
        (!f.pathIncludes || path.includes(f.pathIncludes)),
    );
    const f = faults[i];
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const [, first, ...rest] = url.pathname.split('/');
      const vendor = VENDORS.find((v) => v === first);
      const rawBody = await readBody(req);
      if (!vendor) {
        send(res, { status: 404, body: { error: 'unknown vendor prefix' } }, {});
        return;
      }
      const path = `/${rest.join('/')}`;
      const method = req.method ?? 'GET';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const query = Object.fromEntries(url.searchParams.entries());
      const expected = opts.authorization?.[vendor];
      let reply: Reply;
      const fault = takeFault(vendor, method, path);
      if (fault?.afterHandling) HANDLERS[vendor](state, { method, path, query, headers, body });
      if (fault) {
        reply = {
          status: fault.status,
          ...(fault.headers ? { headers: fault.headers } : {}),
          body: fault.body ?? { error: `fake ${fault.status}` },
        };
      } else if (expected !== undefined && headers.authorization !== expected) {
        reply = { status: 401, body: UNAUTHORIZED[vendor] };
      } else if (
        rawBody &&
        method !== 'GET' &&
        !(headers['content-type'] ?? '').startsWith('application/json')
      ) {
        reply = { status: 415, body: { error: 'Content-Type must be application/json' } };
      } else if (rawBody && body === undefined) {
        reply = { status: 400, body: { error: 'the body is not JSON' } };
      } else {
        reply = HANDLERS[vendor](state, { method, path, query, headers, body });
      }
      const rec: RecordedRequest = {
        seq: ++seq,
        vendor,
        method,
        path,
        query,
        headers,
        rawBody,
        body,
        status: reply.status,
        at: Date.now(),
      };
      recorded.push(rec);
      send(res, reply, RATE_HEADERS[vendor]);
      events.emit('request', rec);
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  const matching = (filter: Partial<Pick<RecordedRequest, 'vendor' | 'method'>> = {}) =>
    recorded.filter(
      (r) =>
        (!filter.vendor || r.vendor === filter.vendor) &&
        (!filter.method || r.method === filter.method),
    );

  return {
    url,
    baseUrl: (vendor) => `${url}/${vendor}`,
    requests: (filter) => matching(filter),
    waitForRequests(n, filter, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = matching(filter);
          if (got.length < n) return false;
          clearTimeout(timer);
          events.off('request', check);
          resolve(got);
          return true;
        };
        const timer = setTimeout(() => {
          events.off('request', check);
          reject(
            new Error(
              `fake help desk: ${matching(filter).length}/${n} requests after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        if (!check()) events.on('request', check);
      });
    },
    fail: (fault) => faults.push({ ...fault }),
    notes: (vendor) => state.notes.filter((n) => !vendor || n.vendor === vendor),
    tagsOf: (vendor, ticket) => state.tagsOf(vendor, ticket),
    setTags: (vendor, ticket, tags) => state.setTags(vendor, ticket, tags),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
