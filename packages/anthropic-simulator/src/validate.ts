import { invalid, SimApiError } from './api-error.js';
import { findModel, type ModelInfo } from './models.js';
import { cacheControlCount } from './serialize.js';
import { isObject, type JsonObject, type MessagesRequest, type ToolChoice } from './wire.js';

/**
 * Narrows an untrusted body to a MessagesRequest, refusing what the API
 * refuses (with its messages where we know them) plus what ticket-qc must
 * never send: sampling parameters and streaming.
 */

const MAX_BREAKPOINTS = 4;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const SAMPLING = ['temperature', 'top_p', 'top_k'] as const;

function checkCacheControl(
  where: string,
  value: unknown,
  seen: { oneHourAfter5m: boolean; any5m: boolean },
) {
  if (value === undefined || value === null) return;
  if (!isObject(value) || value.type !== 'ephemeral') {
    throw invalid(`${where}.cache_control.type: Input should be 'ephemeral'`);
  }
  const ttl = value.ttl;
  if (ttl !== undefined && ttl !== '5m' && ttl !== '1h') {
    throw invalid(`${where}.cache_control.ttl: Input should be '5m' or '1h'`);
  }
  if (ttl === '1h' && seen.any5m) seen.oneHourAfter5m = true;
  if (ttl !== '1h') seen.any5m = true;
}

function checkBlocks(
  where: string,
  blocks: unknown[],
  seen: { oneHourAfter5m: boolean; any5m: boolean },
) {
  blocks.forEach((block, i) => {
    if (!isObject(block) || typeof block.type !== 'string') {
      throw invalid(`${where}.${i}: each content block needs a string "type"`);
    }
    if (block.type === 'text' && typeof block.text !== 'string') {
      throw invalid(`${where}.${i}.text: Field required`);
    }
    checkCacheControl(`${where}.${i}`, block.cache_control, seen);
  });
}

function checkToolPairs(messages: MessagesRequest['messages']): void {
  messages.forEach((message, i) => {
    if (typeof message.content === 'string') return;
    const uses = message.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id));
    const results = message.content
      .filter((b) => b.type === 'tool_result')
      .map((b) => String(b.tool_use_id));
    if (message.role === 'user' && results.length > 0) {
      const previous = messages[i - 1];
      const previousUses =
        previous && typeof previous.content !== 'string'
          ? previous.content.filter((b) => b.type === 'tool_use').map((b) => String(b.id))
          : [];
      for (const id of results) {
        if (!previousUses.includes(id)) {
          throw invalid(
            `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
      }
    }
    if (message.role === 'assistant' && uses.length > 0 && i < messages.length - 1) {
      const next = messages[i + 1];
      const answered =
        next && typeof next.content !== 'string'
          ? next.content.filter((b) => b.type === 'tool_result').map((b) => String(b.tool_use_id))
          : [];
      const unanswered = uses.filter((id) => !answered.includes(id));
      if (unanswered.length > 0) {
        throw invalid(
          `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    }
  });
}

function checkToolsAndChoice(body: JsonObject, seen: { oneHourAfter5m: boolean; any5m: boolean }) {
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw invalid('tools: Input should be a valid list');
    const names = new Set<string>();
    tools.forEach((tool, i) => {
      if (!isObject(tool) || typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
        throw invalid(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      }
      if (names.has(tool.name))
        throw invalid(`tools: Tool names must be unique. Found duplicate: ${tool.name}`);
      names.add(tool.name);
      if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') {
        throw invalid(`tools.${i}.input_schema.type: Input should be 'object'`);
      }
      checkCacheControl(`tools.${i}`, tool.cache_control, seen);
    });
  }
  const choice = body.tool_choice;
  if (choice === undefined) return;
  if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) {
    throw invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  }
  const toolNames = Array.isArray(tools) ? tools.map((t) => (t as JsonObject).name) : [];
  if ((choice.type === 'any' || choice.type === 'tool') && toolNames.length === 0) {
    throw invalid(
      `tool_choice: tool_choice.type '${String(choice.type)}' requires tools to be provided`,
    );
  }
  const named = (choice as ToolChoice & { name?: unknown }).name;
  if (choice.type === 'tool' && (typeof named !== 'string' || !toolNames.includes(named))) {
    throw invalid(`tool_choice: Tool '${String(named)}' not found in provided tools`);
  }
}

export interface ValidatedRequest {
  body: MessagesRequest;
  model: ModelInfo;
}

export function validateMessagesRequest(raw: unknown): ValidatedRequest {
  if (!isObject(raw)) throw invalid('request body must be a JSON object');
  if (raw.stream === true) {
    throw invalid(
      'stream: streaming is not simulated; send stream: false (the simulator answers non-streaming requests only)',
    );
  }
  for (const key of SAMPLING) {
    if (key in raw) {
      throw invalid(
        `${key}: sampling parameters (temperature, top_p, top_k) are refused; ticket-qc never sends them`,
      );
    }
  }
  if (typeof raw.model !== 'string' || raw.model === '') throw invalid('model: Field required');
  const model = findModel(raw.model);
  if (!model) throw new SimApiError('not_found_error', `model: ${raw.model}`);
  if (raw.max_tokens === undefined) throw invalid('max_tokens: Field required');
  if (
    typeof raw.max_tokens !== 'number' ||
    !Number.isInteger(raw.max_tokens) ||
    raw.max_tokens < 1
  ) {
    throw invalid('max_tokens: Input should be a positive integer');
  }
  if (raw.max_tokens > model.maxOutputTokens) {
    throw invalid(
      `max_tokens: ${raw.max_tokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${raw.model}`,
    );
  }
  if (!Array.isArray(raw.messages)) throw invalid('messages: Field required');
  if (raw.messages.length === 0) throw invalid('messages: at least one message is required');
  const seen = { oneHourAfter5m: false, any5m: false };
  checkToolsAndChoice(raw, seen);
  if (raw.system !== undefined) {
    if (Array.isArray(raw.system)) checkBlocks('system', raw.system, seen);
    else if (typeof raw.system !== 'string')
      throw invalid('system: Input should be a string or a list of text blocks');
  }
  raw.messages.forEach((message, i) => {
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    if (typeof message.content === 'string') {
      if (message.content === '' && i < (raw.messages as unknown[]).length - 1) {
        throw invalid(
          `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
        );
      }
    } else if (Array.isArray(message.content)) {
      checkBlocks(`messages.${i}.content`, message.content, seen);
    } else {
      throw invalid(`messages.${i}.content: Input should be a string or a list of content blocks`);
    }
  });
  const body = raw as MessagesRequest;
  const breakpoints = cacheControlCount(body);
  if (breakpoints > MAX_BREAKPOINTS) {
    throw invalid(
      `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
  if (seen.oneHourAfter5m) {
    throw invalid(
      "cache_control: a ttl='1h' cache entry must come before any ttl='5m' entry in the prompt",
    );
  }
  checkToolPairs(body.messages);
  return { body, model };
}
