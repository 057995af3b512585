import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { QC_FILES } from '../context/files.js';
import type { ContextSnapshot } from '../context/store.js';
import { buildVerdictSchema, type VerdictSchema, verdictJsonSchema } from '../context/verdict.js';
import type { Vocabulary } from '../context/vocab.js';
import { estimateTokens } from '../llm/tokens.js';
import { canonicalJson, sha256Hex } from '../ticket/hash.js';

export const VERDICT_TOOL = 'record_verdict';

/** Everything a QC call needs that depends only on the active context. */
export interface QcContext {
  vocab: Vocabulary;
  schema: VerdictSchema;
  tool: Anthropic.Tool;
  /** System blocks without cache_control; `systemBlocks()` adds the breakpoint. */
  texts: { file: string; text: string }[];
  /** sha256 of exactly what a QC call sends as its cached prefix (tool + system). */
  version: string;
  /** Versions of the files that make up this context, for provenance. */
  fileVersions: Record<string, number>;
  prefixTokens: number;
  passThreshold: number;
}

const cache = new WeakMap<ContextSnapshot, QcContext>();

export function qcContextOf(snapshot: ContextSnapshot): QcContext {
  const hit = cache.get(snapshot);
  if (hit) return hit;
  const schema = buildVerdictSchema(snapshot.vocab);
  const tool: Anthropic.Tool = {
    name: VERDICT_TOOL,
    description:
      'Record the QC verdict: a result per rubric criterion; for criteria not met, what is ' +
      'missing and a short quote when there is one, keyed by criterion id; escalations by ' +
      'rule id; attributions; pattern ids; confidence. Leave out empty lists and maps. ' +
      'Outcome, score and summary are computed from these.',
    input_schema: verdictJsonSchema(schema) as Anthropic.Tool.InputSchema,
  };
  const texts = QC_FILES.map((file) => {
    const f = snapshot.files.get(file);
    if (!f) throw new Error(`context file ${file} has no active version`);
    return {
      file,
      text: `<context file="${file}" version="${f.version}">\n${f.content}\n</context>`,
    };
  });
  const version = sha256Hex(canonicalJson({ tools: [tool], system: texts.map((t) => t.text) }));
  const rubric = snapshot.files.get('rubric.md')?.content ?? '';
  const threshold = /^\s*(?:[-*]\s*)?\**Pass threshold\**\s*:\s*\**\s*(\d+)/im.exec(rubric)?.[1];
  const ctx: QcContext = {
    vocab: snapshot.vocab,
    schema,
    // Frozen: sent unchanged with every call, and measured once by estimateCall.
    tool: Object.freeze(tool),
    texts,
    version,
    fileVersions: Object.fromEntries(QC_FILES.map((f) => [f, snapshot.files.get(f)?.version ?? 0])),
    prefixTokens: estimateTokens(JSON.stringify(tool) + texts.map((t) => t.text).join('\n')),
    passThreshold: threshold ? Number(threshold) : 70,
  };
  cache.set(snapshot, ctx);
  return ctx;
}

/**
 * The system blocks, with the single cache breakpoint on the last one. Built
 * once per context and TTL and frozen: every call of a context sends the same
 * blocks, and estimateCall measures them once (issue 13).
 */
export function systemBlocks(ctx: QcContext, ttl: '5m' | '1h' = '5m'): Anthropic.TextBlockParam[] {
  let byTtl = blocks.get(ctx);
  if (!byTtl) {
    byTtl = new Map();
    blocks.set(ctx, byTtl);
  }
  const hit = byTtl.get(ttl);
  if (hit) return hit;
  const built = ctx.texts.map(
    (t, i): Anthropic.TextBlockParam =>
      Object.freeze(
        i === ctx.texts.length - 1
          ? {
              type: 'text' as const,
              text: t.text,
              cache_control:
                ttl === '1h'
                  ? { type: 'ephemeral' as const, ttl: '1h' as const }
                  : { type: 'ephemeral' as const },
            }
          : { type: 'text' as const, text: t.text },
      ),
  );
  byTtl.set(ttl, built);
  return built;
}
const blocks = new WeakMap<QcContext, Map<string, Anthropic.TextBlockParam[]>>();

/** Warns when the cacheable prefix is below the model's minimum: caching would silently not happen. */
export function checkCacheable(
  ctx: QcContext,
  model: string,
  minCacheTokens: number,
  logger: Logger,
): boolean {
  if (ctx.prefixTokens >= minCacheTokens * 1.1) return true;
  logger.warn(
    { model, estimatedPrefixTokens: ctx.prefixTokens, minCacheTokens },
    `the QC context (~${ctx.prefixTokens} tokens) is below or too close to ${model}'s minimum ` +
      `cacheable prefix (${minCacheTokens} tokens): prompt caching may not apply and every call ` +
      'pays full input price. Add substance to context/ files.',
  );
  return false;
}
