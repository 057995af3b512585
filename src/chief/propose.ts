import { callTool, type LlmCall, type LlmDeps } from '../llm/call.js';
import type { Evidence } from './evidence.js';
import { CHIEF_SYSTEM, REVISE_TOOL, Revision, reviseMessage, reviseTool } from './prompt.js';

/**
 * One forced-tool call to CHIEF_MODEL. No repair turn: a chief pass runs
 * every few minutes, and a bad answer is stored as a refused proposal (the
 * pair fires again) rather than argued with.
 */

export type Proposed =
  | { ok: true; revision: Revision; call: LlmCall }
  | { ok: false; reason: string; call: LlmCall };

export async function proposeRevision(
  llm: LlmDeps,
  args: {
    model: string;
    fileContent: string;
    evidence: Evidence;
    kind: string;
    maxTokens: number;
    signal?: AbortSignal;
  },
): Promise<Proposed> {
  const reply = await callTool(llm, {
    model: args.model,
    system: [{ type: 'text', text: CHIEF_SYSTEM }],
    tools: [reviseTool],
    toolName: REVISE_TOOL,
    messages: [reviseMessage(args.fileContent, args.evidence, args.kind)],
    maxTokens: args.maxTokens,
    purpose: 'chief',
    tier: 'strong',
    signal: args.signal,
  });
  if (reply.input === undefined) {
    return { ok: false, reason: `the model did not call ${REVISE_TOOL}`, call: reply.call };
  }
  const parsed = Revision.safeParse(reply.input);
  if (!parsed.success) {
    reply.call.outcome = 'invalid';
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return {
      ok: false,
      reason: `invalid ${REVISE_TOOL} input: ${issues.join('; ')}`,
      call: reply.call,
    };
  }
  return { ok: true, revision: parsed.data, call: reply.call };
}
