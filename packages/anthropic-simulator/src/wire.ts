/**
 * The subset of the Messages API request and response the simulator reads and
 * writes. Requests arrive as unknown JSON and are narrowed by `validate.ts`.
 */

export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export type JsonObject = Record<string, unknown>;

export interface ContentBlock extends JsonObject {
  type: string;
  cache_control?: CacheControl | null;
}

export interface TextBlock extends ContentBlock {
  type: 'text';
  text: string;
}

export interface WireMessage {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface ToolDefinition extends JsonObject {
  name: string;
  description?: string;
  input_schema: JsonObject;
  cache_control?: CacheControl | null;
}

export type ToolChoice =
  | { type: 'auto' | 'any' | 'none'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface MessagesRequest extends JsonObject {
  model: string;
  max_tokens: number;
  messages: WireMessage[];
  system?: string | TextBlock[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  stream?: boolean;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  service_tier: 'standard' | 'batch';
}

export type OutputBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

export interface MessageResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: OutputBlock[];
  stop_reason: 'tool_use' | 'end_turn' | 'max_tokens';
  stop_sequence: null;
  usage: Usage;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** All text blocks of a message's content, as strings. */
export function textsOf(content: WireMessage['content']): string[] {
  if (typeof content === 'string') return [content];
  return content
    .filter((b): b is TextBlock => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text);
}
