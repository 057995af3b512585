import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator, validateJson } from '../src/index.js';
import { client, qcRequest, rawPost, toolInput, verdictSchema, verdictZod } from './helpers.js';

let sim: Simulator;
let api: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'test', noise: 0 });
  api = client(sim);
});
afterAll(() => sim.close());

async function rejection(
  promise: Promise<unknown>,
): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Anthropic.APIError))
    throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('POST /v1/messages', () => {
  it('answers a forced record_verdict call with a tool_use whose input validates against the sent schema', async () => {
    const { data: message, response } = await api.messages.create(qcRequest()).withResponse();
    expect(message.id).toMatch(/^msg_01/);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.stop_reason).toBe('tool_use');
    expect(message.stop_sequence).toBeNull();
    const block = message.content[0];
    expect(block?.type).toBe('tool_use');
    if (block?.type !== 'tool_use') return;
    expect(block.id).toMatch(/^toolu_01/);
    expect(block.name).toBe('record_verdict');
    expect(verdictZod().safeParse(block.input).success).toBe(true);
    expect(validateJson(block.input, verdictSchema())).toEqual([]);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.service_tier).toBe('standard');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBeTruthy();
    expect(response.headers.get('anthropic-ratelimit-input-tokens-limit')).toBeTruthy();
    expect(response.headers.get('anthropic-ratelimit-output-tokens-reset')).toMatch(/Z$/);
  });

  it('refuses temperature, top_p and top_k with 400', async () => {
    for (const extra of [{ temperature: 0 }, { top_p: 0.9 }, { top_k: 5 }]) {
      const error = await rejection(api.messages.create({ ...qcRequest(), ...extra } as never));
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.message).toContain(Object.keys(extra)[0]);
    }
  });

  it('uses the API error envelope and request-id header', async () => {
    const { max_tokens: _omit, ...body } = qcRequest();
    const res = await rawPost(sim, '/v1/messages', body, { 'x-api-key': 'test' });
    expect(res.status).toBe(400);
    expect(res.json.type).toBe('error');
    expect(res.json.error).toEqual({
      type: 'invalid_request_error',
      message: 'max_tokens: Field required',
    });
    expect(res.json.request_id).toMatch(/^req_/);
    expect(res.headers.get('request-id')).toBe(res.json.request_id);
  });

  it('rejects an unknown model with 404 and missing messages with 400', async () => {
    const notFound = await rejection(
      api.messages.create({ ...qcRequest(), model: 'claude-imaginary-9' }),
    );
    expect(notFound).toBeInstanceOf(Anthropic.NotFoundError);
    expect(notFound.type).toBe('not_found_error');
    const missing = await rejection(
      api.messages.create({ ...qcRequest(), messages: undefined } as never),
    );
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it('refuses more than 4 cache_control breakpoints with the API message', async () => {
    const req = qcRequest();
    const cc = { type: 'ephemeral' as const };
    req.system = Array.from({ length: 5 }, (_, i) => ({
      type: 'text' as const,
      text: `block ${i}`,
      cache_control: cc,
    }));
    const error = await rejection(api.messages.create(req));
    expect(error.status).toBe(400);
    expect(error.message).toContain(
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    );
  });

  it('refuses tool_choice naming a tool that was not sent, and streaming', async () => {
    const wrongTool = await rejection(
      api.messages.create({ ...qcRequest(), tool_choice: { type: 'tool', name: 'nope' } }),
    );
    expect(wrongTool.status).toBe(400);
    expect(wrongTool.message).toContain("Tool 'nope' not found");
    const res = await rawPost(
      sim,
      '/v1/messages',
      { ...qcRequest(), stream: true },
      { 'x-api-key': 'test' },
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('streaming is not simulated');
  });

  it('accepts Bearer (the SDK) and x-api-key; a wrong or missing key gets 401', async () => {
    await expect(api.messages.create(qcRequest())).resolves.toBeTruthy();
    const viaHeader = await rawPost(sim, '/v1/messages', qcRequest(), { 'x-api-key': 'test' });
    expect(viaHeader.status).toBe(200);
    const wrong = await rejection(client(sim, 'wrong-key').messages.create(qcRequest()));
    expect(wrong).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(wrong.type).toBe('authentication_error');
    const missing = await rawPost(sim, '/v1/messages', qcRequest());
    expect(missing.status).toBe(401);
    const logged = sim.requests().at(-1);
    expect(JSON.stringify(sim.requests())).not.toContain('wrong-key');
    expect(logged?.status).toBe(401);
  });

  it('answers a repair turn (tool_result with is_error) with a valid verdict', async () => {
    const first = await api.messages.create(qcRequest());
    const toolUse = first.content[0];
    if (toolUse?.type !== 'tool_use') throw new Error('expected tool_use');
    const repair = qcRequest();
    repair.messages.push(
      { role: 'assistant', content: [toolUse] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: toolUse.id,
            is_error: true,
            content: '$.confidence: expected number',
          },
        ],
      },
    );
    const second = await api.messages.create(repair);
    expect(verdictZod().safeParse(toolInput(second)).success).toBe(true);
    expect(toolInput(second)).toEqual(toolInput(first));
  });

  it('refuses a tool_result that answers no tool_use', async () => {
    const req = qcRequest();
    req.messages.push(
      { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }],
      },
    );
    const error = await rejection(api.messages.create(req));
    expect(error.message).toContain('tool_use_id');
  });

  it('gives other tools a minimal valid instance, and registered handlers win', async () => {
    const schema = {
      type: 'object' as const,
      properties: {
        title: { type: 'string', minLength: 3 },
        count: { type: 'integer', minimum: 2 },
        kind: { enum: ['a', 'b'] },
      },
      required: ['title', 'count', 'kind'],
    };
    const req = {
      ...qcRequest(),
      tools: [{ name: 'propose_revision', input_schema: schema }],
      tool_choice: { type: 'tool' as const, name: 'propose_revision' },
    };
    const generic = toolInput(await api.messages.create(req)) as unknown;
    expect(validateJson(generic, schema)).toEqual([]);
    sim.registerToolHandler('propose_revision', (ctx) => ({
      title: `for ${ctx.model.id}`,
      count: 7,
      kind: 'b',
    }));
    const custom = toolInput(await api.messages.create(req)) as unknown;
    expect(custom).toEqual({ title: 'for claude-haiku-4-5-20251001', count: 7, kind: 'b' });
  });

  it('replies with text when no tool is offered, and stops at max_tokens', async () => {
    const plain = await api.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(plain.stop_reason).toBe('end_turn');
    expect(plain.content[0]?.type).toBe('text');
    const cut = await api.messages.create({ ...qcRequest(), max_tokens: 10 });
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(10);
  });

  it('counts tokens and lists models', async () => {
    const { max_tokens: _m, ...body } = qcRequest();
    const counted = await api.messages.countTokens(body);
    expect(counted.input_tokens).toBeGreaterThan(100);
    const models = await api.models.list();
    expect(models.data.map((m) => m.id)).toContain('claude-haiku-4-5-20251001');
  });
});
