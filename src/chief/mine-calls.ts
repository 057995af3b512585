import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { markMiningSubmitted } from '../db/patterns.js';
import type { Pool } from '../db/pool.js';
import { callFromMessage, callTool, type LlmCall, type LlmDeps, toolUseOf } from '../llm/call.js';
import { MINE_TOOL, type Mined, MinedList, type mineRequest } from './mine-prompt.js';

/**
 * The miner's model calls, one per chunk: in realtime (callTool, measured
 * and recorded like every call), or as one Message Batch at half price. The
 * batch id is stored before waiting on it (pattern_mining_runs), so a run
 * stopped while the batch processes is collected by the next run rather
 * than submitted and paid for again.
 */

export type MineRequest = ReturnType<typeof mineRequest>;

export interface ChunkAnswer {
  index: number;
  mined: Mined[];
  /** Why the chunk gave nothing usable (no tool call, invalid input, an errored entry). */
  error?: string;
}

export interface CallDeps {
  pool: Pool;
  llm: LlmDeps;
  anthropic: Anthropic;
  logger: Logger;
  /** How often a submitted batch is polled. */
  pollMs: number;
}

function parse(index: number, input: unknown): ChunkAnswer {
  if (input === undefined)
    return { index, mined: [], error: `the model did not call ${MINE_TOOL}` };
  const r = MinedList.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    return { index, mined: [], error: `invalid ${MINE_TOOL} input: ${issues.join('; ')}` };
  }
  return { index, mined: r.data.patterns };
}

export async function mineRealtime(
  deps: CallDeps,
  requests: MineRequest[],
  signal?: AbortSignal,
): Promise<{ answers: ChunkAnswer[]; calls: LlmCall[] }> {
  const answers: ChunkAnswer[] = [];
  const calls: LlmCall[] = [];
  for (const [index, req] of requests.entries()) {
    if (signal?.aborted) throw new Error('stopped');
    const reply = await callTool(deps.llm, {
      model: req.model,
      system: req.system,
      tools: req.tools,
      toolName: MINE_TOOL,
      messages: req.messages,
      maxTokens: req.max_tokens,
      purpose: 'chief',
      tier: 'strong',
      signal,
    });
    calls.push(reply.call);
    const a = parse(index, reply.input);
    if (a.error) reply.call.outcome = 'invalid';
    answers.push(a);
  }
  return { answers, calls };
}

const customId = (runId: number, index: number) => `pm${runId}-${index}`;

/** Creates the batch and records its id on the run; returns the id. */
export async function submitMiningBatch(
  deps: CallDeps,
  runId: number,
  requests: MineRequest[],
): Promise<string> {
  const batch = await deps.anthropic.messages.batches.create({
    requests: requests.map((params, i) => ({ custom_id: customId(runId, i), params })),
  });
  await markMiningSubmitted(deps.pool, runId, batch.id);
  deps.logger.info(
    { runId, batchId: batch.id, requests: requests.length },
    'patterns: message batch created',
  );
  return batch.id;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new Error('stopped while the batch was processing; the next run collects it'));
      },
      { once: true },
    );
  });
}

/** Polls the batch until it ended, then reads every entry (ordered by chunk). */
export async function collectMiningBatch(
  deps: CallDeps,
  runId: number,
  batchId: string,
  model: string,
  opts: { wait: boolean; signal?: AbortSignal | undefined },
): Promise<{ answers: ChunkAnswer[]; calls: LlmCall[] } | undefined> {
  for (;;) {
    const b = await deps.anthropic.messages.batches.retrieve(batchId);
    if (b.processing_status === 'ended') break;
    if (!opts.wait) return undefined;
    await sleep(deps.pollMs, opts.signal);
  }
  const answers: ChunkAnswer[] = [];
  const calls: LlmCall[] = [];
  for await (const entry of await deps.anthropic.messages.batches.results(batchId)) {
    const m = /^pm(\d+)-(\d+)$/.exec(entry.custom_id);
    if (!m || Number(m[1]) !== runId) continue;
    const index = Number(m[2]);
    if (entry.result.type !== 'succeeded') {
      answers.push({ index, mined: [], error: `batch entry ${entry.result.type}` });
      continue;
    }
    const msg = entry.result.message;
    const use = toolUseOf(msg, MINE_TOOL);
    const a = parse(index, use?.input);
    const call = callFromMessage(
      msg,
      { model, purpose: 'chief', tier: 'strong' },
      deps.llm.prices,
      {
        latencyMs: 0,
        outcome: a.error ? 'invalid' : 'ok',
        batch: true,
      },
    );
    calls.push(call);
    answers.push(a);
  }
  answers.sort((x, y) => x.index - y.index);
  return { answers, calls };
}

export function chunkErrors(answers: ChunkAnswer[]): string[] {
  return answers.flatMap((a) => (a.error ? [`chunk ${a.index + 1}: ${a.error}`] : []));
}
