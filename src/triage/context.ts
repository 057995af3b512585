import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { ContextSnapshot } from '../context/store.js';
import { estimateTokens } from '../llm/tokens.js';
import { canonicalJson, sha256Hex } from '../ticket/hash.js';

/**
 * The triage agent's context: its own prompt (`agents/triage.md`, which the
 * chief may revise), the escalation rules and the standards, sent as cached system blocks like the
 * grader's; the ticket's creation state is the only uncached part.
 */

export const TRIAGE_FILE = 'agents/triage.md';
// escalation.md: triage sets priority by the same rules QC escalates on (and it brings the
// prefix past the cheap model's minimum cacheable size, so the prompt is actually cached).
const TRIAGE_FILES = [TRIAGE_FILE, 'escalation.md', 'standards.md'] as const;
export const TRIAGE_TOOL = 'record_intake_check';

/** What a technician needs from intake to start (context/agents/triage.md "Intake check"). */
const INTAKE_FIELDS = [
  'affected_user',
  'device',
  'impact',
  'steps_tried',
  'contact_window',
] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];

export const TriageCheck = z.object({
  missing: z
    .array(z.enum(INTAKE_FIELDS))
    .max(INTAKE_FIELDS.length)
    .describe(
      'each intake field absent from the ticket as it arrived; empty when nothing is missing',
    ),
  question: z
    .string()
    .max(600)
    .describe(
      'one question for the customer asking for the missing facts; empty when nothing is missing',
    ),
});
export type TriageCheck = z.infer<typeof TriageCheck>;

export interface TriageContext {
  tool: Anthropic.Tool;
  texts: { file: string; text: string }[];
  /** sha256 of what the call sends as its cached prefix: one result per ticket × version. */
  version: string;
  fileVersions: Record<string, number>;
  prefixTokens: number;
}

export function triageContextOf(snapshot: ContextSnapshot): TriageContext {
  const schema = z.toJSONSchema(TriageCheck, { target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  const tool: Anthropic.Tool = {
    name: TRIAGE_TOOL,
    description:
      'Record the intake check of a new ticket: which intake fields are missing, and one question for the customer.',
    input_schema: schema as Anthropic.Tool.InputSchema,
  };
  const texts = TRIAGE_FILES.map((file) => {
    const f = snapshot.files.get(file);
    if (!f) throw new Error(`context file ${file} has no active version`);
    return {
      file,
      text: `<context file="${file}" version="${f.version}">\n${f.content}\n</context>`,
    };
  });
  return {
    tool,
    texts,
    version: sha256Hex(canonicalJson({ tools: [tool], system: texts.map((t) => t.text) })),
    fileVersions: Object.fromEntries(
      TRIAGE_FILES.map((f) => [f, snapshot.files.get(f)?.version ?? 0]),
    ),
    prefixTokens: estimateTokens(JSON.stringify(tool) + texts.map((t) => t.text).join('\n')),
  };
}

export function triageSystemBlocks(ctx: TriageContext): Anthropic.TextBlockParam[] {
  return ctx.texts.map((t, i) =>
    i === ctx.texts.length - 1
      ? { type: 'text', text: t.text, cache_control: { type: 'ephemeral' } }
      : { type: 'text', text: t.text },
  );
}
