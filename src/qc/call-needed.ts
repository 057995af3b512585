import { callTool, type LlmDeps, type ToolReply, type ToolRequest } from '../llm/call.js';

/** How grading makes a model call; `callTool` unless the caller says otherwise. */
export type CallFn = (req: ToolRequest) => Promise<ToolReply>;

/** The caller's `call`, or `callTool` over its `llm`. */
export function callOf(deps: { llm: LlmDeps; call?: CallFn | undefined }): CallFn {
  return deps.call ?? ((r) => callTool(deps.llm, r));
}

/**
 * Thrown by a `CallFn` that will not make the call now: grading stops at the
 * call it needs, and the caller (the batch collector, src/batches/followup.ts)
 * sends that request in the next Message Batch instead of calling realtime,
 * then grades the ticket again with the reply.
 */
export class CallNeeded extends Error {
  override name = 'CallNeeded';
  constructor(readonly request: ToolRequest) {
    super(`model call needed: ${request.model} (${request.purpose})`);
  }
}
