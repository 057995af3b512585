import { ERROR_STATUS, invalid } from './api-error.js';
import type { Handler } from './context.js';
import { isApiErrorType, isFaultKind } from './faults.js';
import { sendJson } from './http.js';
import { FAULT_KINDS, parseOptionsPatch, type SimulatorOptions } from './options.js';
import { isObject } from './wire.js';

/**
 * /_sim endpoints, for tests that run the simulator in another process.
 * They need no API key and are not written to the request log.
 */

function publicOptions(options: SimulatorOptions) {
  return { ...options, apiKey: options.apiKey ? '[set]' : null };
}

export const health: Handler = (sim, ex) => {
  sendJson(ex.res, 200, { ok: true, now: sim.clock.now() });
};

export const getRequests: Handler = (sim, ex) => {
  sendJson(ex.res, 200, { data: sim.log.list() });
};

export const clearRequests: Handler = (sim, ex) => {
  sendJson(ex.res, 200, { cleared: sim.log.clear() });
};

export const postOptions: Handler = (sim, ex) => {
  let patch: ReturnType<typeof parseOptionsPatch>;
  try {
    patch = parseOptionsPatch(ex.body ?? {});
  } catch (thrown) {
    throw invalid(thrown instanceof Error ? thrown.message : String(thrown));
  }
  sendJson(ex.res, 200, { options: publicOptions(sim.setOptions(patch)) });
};

export const getOptions: Handler = (sim, ex) => {
  sendJson(ex.res, 200, { options: publicOptions(sim.options()) });
};

export const postFaults: Handler = (sim, ex) => {
  const body = isObject(ex.body) ? ex.body : {};
  const count = body.count ?? 1;
  if (!isFaultKind(body.kind)) throw invalid(`kind: one of ${FAULT_KINDS.join(', ')}`);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw invalid('count: a whole number >= 0');
  sim.faults.inject(body.kind, count);
  sendJson(ex.res, 200, { pending: sim.faults.pending() });
};

export const postErrors: Handler = (sim, ex) => {
  const body = isObject(ex.body) ? ex.body : {};
  const { type, count = 1, headers = {}, method, path, message } = body;
  if (!isApiErrorType(type)) throw invalid(`type: one of ${Object.keys(ERROR_STATUS).join(', ')}`);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw invalid('count: a whole number >= 0');
  if (!isObject(headers) || !Object.values(headers).every((v) => typeof v === 'string'))
    throw invalid('headers: an object of strings');
  for (const [name, value] of [
    ['method', method],
    ['path', path],
    ['message', message],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') throw invalid(`${name}: a string`);
  }
  sim.faults.injectError({
    type,
    count,
    headers: headers as Record<string, string>,
    ...(typeof method === 'string' ? { method } : {}),
    ...(typeof path === 'string' ? { path } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  });
  sendJson(ex.res, 200, { pendingErrors: sim.faults.pendingErrors() });
};

export const postClock: Handler = (sim, ex) => {
  const advance = isObject(ex.body) ? ex.body.advanceMs : undefined;
  if (typeof advance !== 'number' || !Number.isFinite(advance) || advance < 0) {
    throw invalid('advanceMs: a number of milliseconds >= 0');
  }
  sim.clock.advance(advance);
  sendJson(ex.res, 200, { now: sim.clock.now() });
};

export const getCache: Handler = (sim, ex) => {
  sendJson(ex.res, 200, sim.cache.stats());
};

export const clearCache: Handler = (sim, ex) => {
  sim.cache.clear();
  sendJson(ex.res, 200, sim.cache.stats());
};
