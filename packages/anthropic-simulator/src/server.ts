import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SimApiError, toError } from './api-error.js';
import type { Handler, SimContext } from './context.js';
import {
  BATCH_BODY_LIMIT,
  MESSAGES_BODY_LIMIT,
  parseJsonBody,
  readBody,
  sendApiError,
} from './http.js';
import { newId } from './ids.js';
import { redactHeaders } from './request-log.js';
import * as admin from './routes-admin.js';
import * as api from './routes-api.js';
import { ClosedError } from './waiters.js';

/** The node:http server: routing, auth, body parsing, logging and errors. */

interface Route {
  method: string;
  path: RegExp;
  handler: Handler;
}

const ID = '([^/]+)';
const ROUTES: Route[] = [
  { method: 'POST', path: /^\/v1\/messages$/, handler: api.postMessage },
  { method: 'POST', path: /^\/v1\/messages\/count_tokens$/, handler: api.countTokens },
  { method: 'GET', path: /^\/v1\/models$/, handler: api.listModels },
  { method: 'GET', path: new RegExp(`^/v1/models/${ID}$`), handler: api.getModel },
  { method: 'POST', path: /^\/v1\/messages\/batches$/, handler: api.createBatch },
  { method: 'GET', path: /^\/v1\/messages\/batches$/, handler: api.listBatches },
  { method: 'GET', path: new RegExp(`^/v1/messages/batches/${ID}$`), handler: api.getBatch },
  { method: 'DELETE', path: new RegExp(`^/v1/messages/batches/${ID}$`), handler: api.deleteBatch },
  {
    method: 'GET',
    path: new RegExp(`^/v1/messages/batches/${ID}/results$`),
    handler: api.batchResults,
  },
  {
    method: 'POST',
    path: new RegExp(`^/v1/messages/batches/${ID}/cancel$`),
    handler: api.cancelBatch,
  },
  { method: 'GET', path: /^\/_sim\/health$/, handler: admin.health },
  { method: 'GET', path: /^\/_sim\/requests$/, handler: admin.getRequests },
  { method: 'DELETE', path: /^\/_sim\/requests$/, handler: admin.clearRequests },
  { method: 'GET', path: /^\/_sim\/options$/, handler: admin.getOptions },
  { method: 'POST', path: /^\/_sim\/options$/, handler: admin.postOptions },
  { method: 'POST', path: /^\/_sim\/faults$/, handler: admin.postFaults },
  { method: 'POST', path: /^\/_sim\/errors$/, handler: admin.postErrors },
  { method: 'POST', path: /^\/_sim\/clock$/, handler: admin.postClock },
  { method: 'GET', path: /^\/_sim\/cache$/, handler: admin.getCache },
  { method: 'DELETE', path: /^\/_sim\/cache$/, handler: admin.clearCache },
];

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The SDK 1.x sends `Authorization: Bearer`; older clients send `x-api-key`. Both are accepted. */
function authenticate(req: IncomingMessage, apiKey: string | undefined): void {
  if (!apiKey) return;
  const xKey = header(req, 'x-api-key');
  const auth = header(req, 'authorization');
  const bearer = auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
  if (xKey === undefined && bearer === undefined) {
    throw new SimApiError('authentication_error', 'x-api-key header is required');
  }
  if (!sameSecret(xKey, apiKey) && !sameSecret(bearer, apiKey)) {
    throw new SimApiError('authentication_error', 'invalid x-api-key');
  }
}

async function handle(sim: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newId.request();
  res.setHeader('request-id', requestId);
  const url = new URL(req.url ?? '/', 'http://simulator.local');
  const isApi = url.pathname.startsWith('/v1/');
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  const entry = isApi
    ? sim.log.add({
        requestId,
        method: req.method ?? 'GET',
        path: url.pathname + url.search,
        headers: redactHeaders(req.headers),
        body: undefined,
        status: null,
        at: sim.clock.now(),
      })
    : undefined;
  res.on('finish', () => {
    if (entry) entry.status = res.statusCode;
  });
  try {
    const limit = url.pathname.startsWith('/v1/messages/batches')
      ? BATCH_BODY_LIMIT
      : MESSAGES_BODY_LIMIT;
    const raw = await readBody(req, limit);
    if (entry) entry.body = raw.length === 0 ? undefined : safeParse(raw);
    const candidates = ROUTES.filter((r) => r.path.test(url.pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      throw new SimApiError(
        'not_found_error',
        candidates.length > 0
          ? `Method ${req.method} not allowed on ${url.pathname}`
          : `Not found: ${url.pathname}`,
      );
    }
    if (isApi) {
      authenticate(req, sim.options().apiKey);
      if (!header(req, 'anthropic-version'))
        throw new SimApiError('invalid_request_error', 'anthropic-version: header is required');
      const scripted = sim.faults.takeError(req.method ?? 'GET', url.pathname);
      if (scripted) throw scripted;
    }
    const params = (route.path.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
    const host = header(req, 'host') ?? `${sim.options().host}:${sim.options().port}`;
    const body = parseJsonBody(raw);
    await route.handler(sim, {
      req,
      res,
      requestId,
      url,
      params,
      body,
      signal: controller.signal,
      baseUrl: `http://${host}`,
    });
  } catch (thrown) {
    if (thrown instanceof ClosedError) {
      res.destroy();
      return;
    }
    const error =
      thrown instanceof SimApiError
        ? thrown
        : new SimApiError('api_error', `Internal simulator error: ${toError(thrown).message}`);
    sendApiError(res, error, requestId);
  }
}

function safeParse(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return raw.toString('utf8').slice(0, 65_536);
  }
}

export function createSimServer(sim: SimContext): Server {
  const server = createServer((req, res) => {
    void handle(sim, req, res);
  });
  server.keepAliveTimeout = 5_000;
  return server;
}
