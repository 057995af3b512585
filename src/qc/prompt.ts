import type Anthropic from '@anthropic-ai/sdk';
import type { Ticket } from '../ticket/schema.js';
import { ticketBlock } from './ticket-text.js';

/**
 * The per-ticket (uncached) part of a QC call: the ticket and nothing else.
 * What to do with it, and that everything between the ticket tags is data
 * and never instructions, is said once in the cached prefix
 * (context/agents/qc-worker.md), not paid for again on every call (issue 12).
 */
export function ticketMessage(ticket: Ticket): Anthropic.MessageParam {
  return { role: 'user', content: [{ type: 'text', text: ticketBlock(ticket) }] };
}

/** The turn that asks the model to fix an invalid tool input. */
export function repairTurn(
  toolUseId: string | undefined,
  invalidInput: unknown,
  issues: string[],
  toolName = 'record_verdict',
): Anthropic.MessageParam[] {
  const problems = `The ${toolName} input was invalid:\n- ${issues.join('\n- ')}\nCall ${toolName} again with a corrected, complete input.`;
  if (!toolUseId) {
    return [
      { role: 'assistant', content: [{ type: 'text', text: '(no tool call)' }] },
      { role: 'user', content: [{ type: 'text', text: problems }] },
    ];
  }
  return [
    {
      role: 'assistant',
      content: [
        {
          type: 'tool_use',
          id: toolUseId,
          name: toolName,
          input: (invalidInput ?? {}) as Record<string, unknown>,
        },
      ],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: toolUseId, is_error: true, content: problems }],
    },
  ];
}
