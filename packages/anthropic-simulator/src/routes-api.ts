import { SimApiError } from './api-error.js';
import type { Handler } from './context.js';
import { complete, countInputTokens, prepare } from './engine.js';
import { sendJson } from './http.js';
import { findModel, MODELS } from './models.js';
import { isObject } from './wire.js';

/** /v1 handlers: messages, count_tokens, models, and the batch endpoints. */

export const postMessage: Handler = async (sim, ex) => {
  const prepared = prepare(sim.engine, ex.body);
  sim.limiter.admit(prepared.limitTokens, prepared.model.id);
  const opts = sim.options();
  const fault = sim.faults.next(opts.faults);
  const latency = opts.latencyMs + Math.floor(sim.jitter() * opts.latencyJitterMs);
  await sim.waiters.wait(latency, ex.signal);
  if (fault === 'overloaded') throw new SimApiError('overloaded_error', 'Overloaded');
  if (fault === 'serverError') throw new SimApiError('api_error', 'Internal server error');
  if (fault === 'hang') await sim.waiters.wait(opts.faults.hangMs, ex.signal);
  const outputFault =
    fault === 'schemaBreak' || fault === 'noTool' || fault === 'allNa' ? fault : null;
  const message = complete(sim.engine, prepared, { fault: outputFault, serviceTier: 'standard' });
  sim.limiter.recordOutput(message.usage.output_tokens, prepared.model.id);
  sendJson(ex.res, 200, message, sim.limiter.headers(prepared.model.id));
};

export const countTokens: Handler = (sim, ex) => {
  const body = isObject(ex.body) ? { max_tokens: 1, ...ex.body } : ex.body;
  sendJson(ex.res, 200, { input_tokens: countInputTokens(sim.engine, body) });
};

const modelView = (m: (typeof MODELS)[number]) => ({
  type: 'model',
  id: m.id,
  display_name: m.displayName,
  created_at: m.createdAt,
});

export const listModels: Handler = (_sim, ex) => {
  const data = MODELS.map(modelView);
  sendJson(ex.res, 200, {
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
};

export const getModel: Handler = (_sim, ex) => {
  const name = decodeURIComponent(ex.params[0] ?? '');
  const model = findModel(name);
  if (!model) throw new SimApiError('not_found_error', `model: ${name}`);
  sendJson(ex.res, 200, modelView(model));
};

export const createBatch: Handler = (sim, ex) => {
  sendJson(ex.res, 200, sim.batches.create(ex.body, ex.baseUrl));
};

export const getBatch: Handler = (sim, ex) => {
  sendJson(ex.res, 200, sim.batches.view(ex.params[0] ?? '', ex.baseUrl));
};

export const listBatches: Handler = (sim, ex) => {
  sendJson(ex.res, 200, sim.batches.list(ex.url.searchParams, ex.baseUrl));
};

export const cancelBatch: Handler = (sim, ex) => {
  sendJson(ex.res, 200, sim.batches.cancel(ex.params[0] ?? '', ex.baseUrl));
};

export const deleteBatch: Handler = (sim, ex) => {
  sendJson(ex.res, 200, sim.batches.delete(ex.params[0] ?? ''));
};

export const batchResults: Handler = (sim, ex) => {
  const lines = sim.batches.results(ex.params[0] ?? '');
  ex.res.writeHead(200, { 'content-type': 'application/x-jsonl', 'request-id': ex.requestId });
  for (const line of lines) ex.res.write(`${line}\n`);
  ex.res.end();
};
