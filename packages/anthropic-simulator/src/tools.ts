import { intakeCheck } from './grading/intake.js';
import { secondOpinion } from './grading/second-opinion.js';
import { findTicketText } from './grading/ticket.js';
import { gradeTicket } from './grading/verdict.js';
import type { ModelInfo } from './models.js';
import type { Schema } from './schema-core.js';
import { instanceOf } from './schema-instance.js';
import type { MessagesRequest, ToolDefinition } from './wire.js';

/**
 * Tool handlers produce the `input` of the tool_use block the simulator
 * returns. `record_verdict` grades the ticket; any tool without a handler
 * gets the smallest instance of its input_schema. Handlers registered with
 * `registerToolHandler` apply to every simulator in the process; a
 * simulator's own `registerToolHandler` overrides them for that instance.
 */

export interface ToolCallContext {
  tool: ToolDefinition;
  request: MessagesRequest;
  model: ModelInfo;
  /** System prompt text (blocks joined by blank lines). */
  system: string;
  /** The user text holding <ticket>…</ticket>, or the last user text. */
  ticketText: string | undefined;
  /** The last user message carries a tool_result with is_error: true. */
  isRepair: boolean;
  /** Noise for this model (0..1). */
  noise: number;
  seed: number;
}

export type ToolHandler = (ctx: ToolCallContext) => unknown;

const processHandlers = new Map<string, ToolHandler>();

export function registerToolHandler(name: string, handler: ToolHandler): void {
  processHandlers.set(name, handler);
}

export const recordVerdictHandler: ToolHandler = (ctx) =>
  gradeTicket({
    ticketText: ctx.ticketText,
    schema: ctx.tool.input_schema as Schema,
    system: ctx.system,
    modelId: ctx.model.id,
    noise: ctx.noise,
    seed: ctx.seed,
    strongModel: ctx.model.modelClass !== 'haiku',
  });

/** The strong model's confirm-or-overturn call on escalations (ticket-qc issue 12). */
export const secondOpinionHandler: ToolHandler = (ctx) =>
  secondOpinion({
    ticketText: ctx.ticketText,
    schema: ctx.tool.input_schema as Schema,
    system: ctx.system,
  });

export const genericToolHandler: ToolHandler = (ctx) =>
  instanceOf(ctx.tool.input_schema, ctx.tool.input_schema as Schema);

registerToolHandler('record_verdict', recordVerdictHandler);
registerToolHandler('record_second_opinion', secondOpinionHandler);
/** The triage agent's intake check (ticket-qc issue 15). */
registerToolHandler('record_intake_check', intakeCheck);

export class ToolRegistry {
  readonly #own = new Map<string, ToolHandler>();

  register(name: string, handler: ToolHandler): void {
    this.#own.set(name, handler);
  }

  find(name: string): ToolHandler | undefined {
    return this.#own.get(name) ?? processHandlers.get(name);
  }

  get(name: string): ToolHandler {
    return this.find(name) ?? genericToolHandler;
  }
}

/**
 * Which tool the reply calls: the named one for tool_choice `tool`; for `any`
 * the first tool with a handler (else the first tool); for `auto` the first
 * tool with a handler (else no tool); none for `none` or no tools.
 */
export function chooseTool(
  body: MessagesRequest,
  registry: ToolRegistry,
): ToolDefinition | undefined {
  const tools = body.tools ?? [];
  const choice = body.tool_choice ?? { type: 'auto' };
  if (tools.length === 0 || choice.type === 'none') return undefined;
  if (choice.type === 'tool') return tools.find((t) => t.name === choice.name);
  const handled = tools.find((t) => registry.find(t.name) !== undefined);
  return choice.type === 'any' ? (handled ?? tools[0]) : handled;
}

function systemText(body: MessagesRequest): string {
  if (typeof body.system === 'string') return body.system;
  return (body.system ?? []).map((b) => b.text).join('\n\n');
}

function isRepairTurn(body: MessagesRequest): boolean {
  const last = body.messages.at(-1);
  if (last?.role !== 'user' || typeof last.content === 'string') return false;
  return last.content.some((b) => b.type === 'tool_result' && b.is_error === true);
}

export function callContext(
  body: MessagesRequest,
  tool: ToolDefinition,
  model: ModelInfo,
  noise: number,
  seed: number,
): ToolCallContext {
  return {
    tool,
    request: body,
    model,
    system: systemText(body),
    ticketText: findTicketText(body.messages),
    isRepair: isRepairTurn(body),
    noise,
    seed,
  };
}
