import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { LlmCall, Purpose, Tier } from '../db/events.js';
import type { AttemptLog } from './attempts.js';
import { messagesBody } from './messages-body.js';
import { costOf, type PriceTable, type Usage } from './prices.js';
import { classify } from './retry.js';

export type { LlmCall, Purpose, Tier } from '../db/events.js';

export interface ToolRequest {
  model: string;
  system: Anthropic.TextBlockParam[];
  tools: Anthropic.Tool[];
  toolName: string;
  messages: Anthropic.MessageParam[];
  maxTokens: number;
  purpose: Purpose;
  tier: Tier;
  signal?: AbortSignal | undefined;
}

export interface ToolReply {
  /** The forced tool's input, or undefined when the reply had no tool call. */
  input: unknown;
  toolUseId: string | undefined;
  message: Anthropic.Message;
  call: LlmCall;
}

export interface LlmDeps {
  /** Retries are the client's own (createAnthropic in ./client.ts). */
  client: Anthropic;
  prices: PriceTable;
  logger?: Logger;
  /** Issue 10: an attempt row around every paid call (./attempts.ts); absent in some tests. */
  attempts?: AttemptLog;
}

export function callFromMessage(
  msg: Pick<Anthropic.Message, 'usage' | 'model'>,
  req: { model: string; purpose: Purpose; tier: Tier },
  prices: PriceTable,
  extra: { latencyMs: number; outcome: LlmCall['outcome']; requestId?: string; batch?: boolean },
): LlmCall {
  const usage = msg.usage as Usage;
  return {
    model: req.model,
    purpose: req.purpose,
    tier: req.tier,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheCreationTokens: usage.cache_creation_input_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    costUsd: costOf(prices.get(req.model), usage, { batch: extra.batch ?? false }),
    latencyMs: extra.latencyMs,
    outcome: extra.outcome,
    requestId: extra.requestId,
    ...(extra.batch ? { batch: true } : {}),
  };
}

/** Pulls the named tool's input out of a reply. */
export function toolUseOf(
  msg: Anthropic.Message,
  toolName: string,
): { input: unknown; id: string } | undefined {
  for (const block of msg.content) {
    if (block.type === 'tool_use' && block.name === toolName) {
      return { input: block.input, id: block.id };
    }
  }
  return undefined;
}

/**
 * One forced-tool call, measured and costed. Retried only by the client
 * (the SDK's loop with the retry hook of ./retry.ts); what still fails is
 * thrown as an LlmError saying whether a later job attempt may succeed.
 * No temperature/top_p/top_k: SDK 1.x models reject them.
 */
export async function callTool(deps: LlmDeps, req: ToolRequest): Promise<ToolReply> {
  const attempt = await deps.attempts?.begin({
    model: req.model,
    purpose: req.purpose,
    tier: req.tier,
    maxTokens: req.maxTokens,
    input: [req.system, req.tools, req.messages],
  });
  const started = performance.now();
  // Issue 13: the body as bytes, its context part serialized once (./messages-body.ts).
  const body = messagesBody({
    model: req.model,
    max_tokens: req.maxTokens,
    system: req.system,
    tools: req.tools,
    tool_choice: { type: 'tool', name: req.toolName },
    messages: req.messages,
  });
  const { data: message, request_id } = await deps.client
    .post<Anthropic.Message>('/v1/messages', {
      body,
      headers: { 'content-type': 'application/json' },
      signal: req.signal,
    })
    .withResponse()
    .catch(async (err: unknown) => {
      const e = classify(err, req.signal);
      // An error status was not billed; a timeout or a cut connection may
      // have been, so that attempt stays open and is recorded at its estimate.
      if (e.status !== undefined) await attempt?.failed();
      throw e;
    });
  const latencyMs = Math.round(performance.now() - started);
  const use = toolUseOf(message, req.toolName);
  const call = callFromMessage(message, req, deps.prices, {
    latencyMs,
    outcome: use ? 'ok' : 'no_tool',
    ...(request_id ? { requestId: request_id } : {}),
  });
  if (attempt) {
    call.attemptId = attempt.id;
    await attempt.answered(call);
  }
  return { input: use?.input, toolUseId: use?.id, message, call };
}
