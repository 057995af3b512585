import { sha256Hex } from './prng.js';
import type { CacheControl, ContentBlock, MessagesRequest } from './wire.js';

/**
 * The documented serialisation tokens are counted over, in the API's cache
 * prefix order: tools, then system blocks, then messages.
 *
 * - a tool      → JSON.stringify({ name, description, input_schema })
 * - system      → each text block's text (a plain string is one block)
 * - a message   → one segment per content block, prefixed with the role:
 *                 text → "user: <text>"; tool_use → JSON of { name, input };
 *                 tool_result → its text content (+ " [is_error]");
 *                 anything else → JSON of the block without cache_control.
 *
 * Each segment knows whether its block carried cache_control (a breakpoint at
 * the end of that segment) and the sha256 of the whole prefix up to it.
 */
export interface Segment {
  text: string;
  cache?: CacheControl;
  /** sha256 over all segments up to and including this one. */
  prefixHash: string;
}

export interface CountedSegment extends Segment {
  tokens: number;
}

function blockText(role: string, block: ContentBlock): string {
  const { cache_control: _ignored, ...rest } = block;
  switch (block.type) {
    case 'text':
      return `${role}: ${String(block.text)}`;
    case 'tool_use':
      return `${role}: ${JSON.stringify({ name: block.name, input: block.input })}`;
    case 'tool_result': {
      const content = block.content;
      const text =
        typeof content === 'string'
          ? content
          : Array.isArray(content)
            ? content
                .map((c) => (c && typeof c.text === 'string' ? c.text : JSON.stringify(c)))
                .join('\n')
            : '';
      return `${role}: ${text}${block.is_error === true ? ' [is_error]' : ''}`;
    }
    default:
      return `${role}: ${JSON.stringify(rest)}`;
  }
}

function rawSegments(body: MessagesRequest): Array<{ text: string; cache?: CacheControl }> {
  const out: Array<{ text: string; cache?: CacheControl }> = [];
  const push = (text: string, cache: CacheControl | null | undefined) =>
    out.push(cache ? { text, cache } : { text });
  for (const tool of body.tools ?? []) {
    const { name, description, input_schema } = tool;
    push(JSON.stringify({ name, description, input_schema }), tool.cache_control);
  }
  if (typeof body.system === 'string') push(body.system, undefined);
  else for (const block of body.system ?? []) push(block.text, block.cache_control);
  for (const message of body.messages) {
    if (typeof message.content === 'string') push(`${message.role}: ${message.content}`, undefined);
    else
      for (const block of message.content)
        push(blockText(message.role, block), block.cache_control);
  }
  return out;
}

export function serializePrompt(body: MessagesRequest): Segment[] {
  let running = '';
  return rawSegments(body).map((segment) => {
    running = sha256Hex(`${running}\u0000${segment.text}`);
    return { ...segment, prefixHash: running };
  });
}

/** Every block that may carry cache_control, for counting breakpoints. */
export function cacheControlCount(body: MessagesRequest): number {
  return rawSegments(body).filter((s) => s.cache).length;
}
