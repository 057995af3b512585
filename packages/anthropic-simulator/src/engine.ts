import { allNaInput } from './all-na.js';
import { newId } from './ids.js';
import { effectiveNoise, type ModelInfo } from './models.js';
import type { SimulatorOptions } from './options.js';
import type { CachePlan, PromptCache } from './prompt-cache.js';
import { breakInput } from './schema-break.js';
import type { Schema } from './schema-core.js';
import { type CountedSegment, serializePrompt } from './serialize.js';
import type { TokenCounter } from './tokens.js';
import { callContext, chooseTool, type ToolRegistry } from './tools.js';
import { validateMessagesRequest } from './validate.js';
import type { MessageResponse, MessagesRequest, OutputBlock, Usage } from './wire.js';

/**
 * The Messages pipeline shared by POST /v1/messages and batch processing:
 * validate → serialise and count → plan caching (prepare), then build the
 * reply and commit the cache plan (complete). Splitting the two lets the
 * HTTP route check rate limits and faults before the cache is touched.
 */

/** Tokens of the tool-use system prompt the API adds when tools are present (not cacheable here). */
export const TOOL_OVERHEAD_TOKENS = { auto: 346, none: 346, any: 313, tool: 313 } as const;

const NO_TOOL_TEXT =
  'I have read the ticket. It looks broadly fine to me, but I would rather describe it than fill in the form.';

export interface EngineDeps {
  tokens: TokenCounter;
  cache: PromptCache;
  tools: ToolRegistry;
  options: () => SimulatorOptions;
}

export interface Prepared {
  body: MessagesRequest;
  model: ModelInfo;
  segments: CountedSegment[];
  plan: CachePlan;
  overheadTokens: number;
  /** What counts against an input-tokens-per-minute limit: uncached input + cache writes. */
  limitTokens: number;
}

export type OutputFault = 'schemaBreak' | 'noTool' | 'allNa' | null;

export function prepare(deps: EngineDeps, raw: unknown): Prepared {
  const { body, model } = validateMessagesRequest(raw);
  const segments = serializePrompt(body).map((s) => ({ ...s, tokens: deps.tokens.count(s.text) }));
  const plan = deps.cache.plan(model.id, model.minCacheTokens, segments);
  const overheadTokens = body.tools?.length
    ? TOOL_OVERHEAD_TOKENS[body.tool_choice?.type ?? 'auto']
    : 0;
  const limitTokens = plan.uncachedTokens + overheadTokens + plan.creation5m + plan.creation1h;
  return { body, model, segments, plan, overheadTokens, limitTokens };
}

export function countInputTokens(deps: EngineDeps, raw: unknown): number {
  const p = prepare(deps, raw);
  return p.plan.totalTokens + p.overheadTokens;
}

function replyBlocks(deps: EngineDeps, p: Prepared, fault: OutputFault): OutputBlock[] {
  const tool = chooseTool(p.body, deps.tools);
  if (!tool || fault === 'noTool') {
    const text = tool
      ? NO_TOOL_TEXT
      : 'This is a simulated reply. No tool was offered, so there is nothing to fill in.';
    return [{ type: 'text', text }];
  }
  const opts = deps.options();
  const noise = effectiveNoise(p.model, p.body.model, opts.noise, opts.modelNoise);
  const ctx = callContext(p.body, tool, p.model, noise, opts.seed);
  let input = deps.tools.get(tool.name)(ctx);
  if (fault === 'schemaBreak') input = breakInput(input, tool.input_schema as Schema);
  if (fault === 'allNa') input = allNaInput(input);
  return [{ type: 'tool_use', id: newId.toolUse(), name: tool.name, input }];
}

export function complete(
  deps: EngineDeps,
  p: Prepared,
  opts: { fault: OutputFault; serviceTier: Usage['service_tier'] },
): MessageResponse {
  let content = replyBlocks(deps, p, opts.fault);
  let outputTokens = content.reduce(
    (n, b) => n + deps.tokens.count(b.type === 'text' ? b.text : JSON.stringify(b.input)),
    0,
  );
  let stopReason: MessageResponse['stop_reason'] = content.some((b) => b.type === 'tool_use')
    ? 'tool_use'
    : 'end_turn';
  if (outputTokens > p.body.max_tokens) {
    // The reply was cut off: tool input never finished, text is truncated.
    content = content.map((b) =>
      b.type === 'tool_use'
        ? { ...b, input: {} }
        : { ...b, text: b.text.slice(0, p.body.max_tokens) },
    );
    outputTokens = p.body.max_tokens;
    stopReason = 'max_tokens';
  }
  deps.cache.commit(p.plan);
  return {
    id: newId.message(),
    type: 'message',
    role: 'assistant',
    model: p.body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: p.plan.uncachedTokens + p.overheadTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: p.plan.creation5m + p.plan.creation1h,
      cache_read_input_tokens: p.plan.readTokens,
      cache_creation: {
        ephemeral_5m_input_tokens: p.plan.creation5m,
        ephemeral_1h_input_tokens: p.plan.creation1h,
      },
      service_tier: opts.serviceTier,
    },
  };
}
