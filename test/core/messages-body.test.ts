import { describe, expect, it } from 'vitest';
import { messagesBody, modelOfBody } from '../../src/llm/messages-body.js';

/** src/llm/messages-body.ts: the same JSON as JSON.stringify, frozen parts serialized once. */
describe('messages body', () => {
  const block = Object.freeze({
    type: 'text',
    text: 'Rubric “quoted” \u2028 <x>',
    cache_control: { type: 'ephemeral' },
  });
  const tool = Object.freeze({ name: 't', description: 'd', input_schema: { type: 'object' } });
  const params = {
    model: 'claude-haiku-4-5',
    max_tokens: 512,
    system: [block, { type: 'text', text: 'fresh' }],
    tools: [tool],
    tool_choice: { type: 'tool', name: 't' },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'é\n"ticket"' }] }],
  };

  it('is byte for byte JSON.stringify of the params, and names its model', () => {
    const body = messagesBody(params);
    expect(body.toString()).toBe(JSON.stringify(params));
    expect(modelOfBody(body)).toBe('claude-haiku-4-5');
    expect(modelOfBody(Buffer.from('{}'))).toBeUndefined();
  });

  it('a frozen array and empty arrays too', () => {
    const p = { ...params, system: Object.freeze([block]) as unknown as unknown[], messages: [] };
    expect(messagesBody(p).toString()).toBe(JSON.stringify(p));
    expect(messagesBody(p).toString()).toBe(JSON.stringify(p));
  });
});
