import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { AGENT_CATEGORIES, CRITERIA, PATTERNS, RULES } from './context-vocab.js';

/**
 * The record_verdict schema for the simulator tests, in the shape the product
 * builds (src/context/verdict.ts) with the ids of the repository's context/
 * files (read by ./context-vocab.ts; see context/rubric.md, escalation.md,
 * patterns.md and agents/*.md, which define the vocabulary).
 */

export { CRITERIA, PATTERNS, RULES };

const ATTRIBUTIONS = Object.entries(AGENT_CATEGORIES).map(([agent, categories]) =>
  z.object({ agent: z.literal(agent), category: z.enum(categories), note: z.string() }),
);

/** A verdict schema built the way the product builds it (zod → JSON Schema). */
export function verdictZod(criteria: readonly string[] = CRITERIA) {
  return z.object({
    outcome: z.enum(['pass', 'fail', 'escalate']),
    score: z.number().int().min(0).max(100),
    criteria: z
      .array(
        z.object({
          criterion: z.enum(criteria as [string, ...string[]]),
          result: z.enum(['met', 'partial', 'missing', 'n/a']),
          evidence: z.string().max(500),
          missing: z.string().max(500),
        }),
      )
      .length(criteria.length),
    missing_information: z.array(z.string()),
    escalations: z.array(z.object({ rule: z.enum(RULES), reason: z.string() })),
    attributions: z.array(
      z.discriminatedUnion('agent', ATTRIBUTIONS as [(typeof ATTRIBUTIONS)[number]]),
    ),
    patterns: z.array(z.enum(PATTERNS)),
    confidence: z.number().min(0).max(1),
    summary: z.string().min(1),
  });
}

export function verdictSchema(criteria: readonly string[] = CRITERIA): Anthropic.Tool.InputSchema {
  const { $schema: _drop, ...schema } = z.toJSONSchema(verdictZod(criteria)) as Record<
    string,
    unknown
  >;
  return schema as Anthropic.Tool.InputSchema;
}

export type Verdict = z.infer<ReturnType<typeof verdictZod>>;

/**
 * The terse record_verdict schema the product sends since issue 12: results
 * by criterion id, notes only for criteria not met, no outcome or score.
 */
export function terseVerdictSchema(
  criteria: readonly string[] = CRITERIA,
): Anthropic.Tool.InputSchema {
  const result = z.enum(['met', 'partial', 'missing', 'n/a']);
  const zod = z.object({
    results: z.object(Object.fromEntries(criteria.map((id) => [id, result]))).strict(),
    notes: z.array(
      z.object({
        criterion: z.enum(criteria as [string, ...string[]]),
        evidence: z.string().max(200),
        missing: z.string().max(160),
      }),
    ),
    missing_information: z.array(z.string().max(160)).max(10),
    escalations: z.array(z.object({ rule: z.enum(RULES), reason: z.string().max(300) })),
    attributions: z.array(
      z.discriminatedUnion('agent', ATTRIBUTIONS as [(typeof ATTRIBUTIONS)[number]]),
    ),
    patterns: z.array(z.enum(PATTERNS)),
    confidence: z.number().min(0).max(1),
    summary: z.string().min(1).max(200),
  });
  const { $schema: _drop, ...schema } = z.toJSONSchema(zod) as Record<string, unknown>;
  return schema as Anthropic.Tool.InputSchema;
}

/**
 * The record_verdict schema the product sends since the terse verdict's
 * second step (issue 12): notes and quotes keyed by criterion id, every list
 * and map optional (left out when empty), no summary (the code writes it).
 */
export function keyedVerdictSchema(
  criteria: readonly string[] = CRITERIA,
): Anthropic.Tool.InputSchema {
  const result = z.enum(['met', 'partial', 'missing', 'n/a']);
  const criterion = z.enum(criteria as [string, ...string[]]);
  const zod = z.object({
    results: z.object(Object.fromEntries(criteria.map((id) => [id, result]))).strict(),
    notes: z.partialRecord(criterion, z.string().min(1).max(110)).optional(),
    evidence: z.partialRecord(criterion, z.string().min(1).max(180)).optional(),
    missing_information: z.array(z.string().max(160)).max(10).optional(),
    escalations: z.array(z.object({ rule: z.enum(RULES), reason: z.string().max(300) })).optional(),
    attributions: z
      .array(z.discriminatedUnion('agent', ATTRIBUTIONS as [(typeof ATTRIBUTIONS)[number]]))
      .optional(),
    patterns: z.array(z.enum(PATTERNS)).optional(),
    confidence: z.number().min(0).max(1),
  });
  const { $schema: _drop, ...schema } = z.toJSONSchema(zod) as Record<string, unknown>;
  return schema as Anthropic.Tool.InputSchema;
}
