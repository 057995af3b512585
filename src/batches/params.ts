import type Anthropic from '@anthropic-ai/sdk';
import { type QcContext, systemBlocks, VERDICT_TOOL } from '../qc/context.js';
import { ticketMessage } from '../qc/prompt.js';
import type { Ticket } from '../ticket/schema.js';

export type BatchRequest = Anthropic.Messages.Batches.BatchCreateParams.Request;
type Params = BatchRequest['params'];

export { customIdFor } from '../db/batches.js';

/**
 * Everything but the ticket: identical for every request of a run. The same
 * fields as a realtime call in src/qc/grade.ts (model, max_tokens, system,
 * tools, forced record_verdict), with the 1-hour cache TTL, because a batch
 * may take longer than 5 minutes to reach the requests that would read it.
 */
export function sharedParams(
  ctx: QcContext,
  model: string,
  maxTokens: number,
): Omit<Params, 'messages'> {
  return {
    model,
    max_tokens: maxTokens,
    system: systemBlocks(ctx, '1h'),
    tools: [ctx.tool],
    tool_choice: { type: 'tool', name: VERDICT_TOOL },
  };
}

export function batchRequest(
  shared: Omit<Params, 'messages'>,
  customId: string,
  ticket: Ticket,
): BatchRequest {
  return { custom_id: customId, params: { ...shared, messages: [ticketMessage(ticket)] } };
}

/**
 * Sizes requests without serializing the shared part again for every ticket:
 * the JSON of `{custom_id, params}` is the shared JSON with the custom_id and
 * the messages spliced in, so its length is exact.
 */
export class RequestSizer {
  private readonly fixed: number;

  constructor(shared: Omit<Params, 'messages'>) {
    const skeleton = JSON.stringify({ custom_id: '', params: { ...shared, messages: [] } });
    this.fixed = Buffer.byteLength(skeleton) - 2; // minus the empty "[]"
  }

  /** Bytes this request adds to a create body, including its separating comma. */
  bytes(customId: string, ticket: Ticket): number {
    return (
      this.fixed + customId.length + Buffer.byteLength(JSON.stringify([ticketMessage(ticket)])) + 1
    );
  }
}

/** `{"requests":[` … `]}` around the requests. */
export const BODY_ENVELOPE_BYTES = Buffer.byteLength('{"requests":[]}');

/** Bytes one built request adds to a create body, including its separating comma. */
export const requestBytes = (r: BatchRequest): number => Buffer.byteLength(JSON.stringify(r)) + 1;
