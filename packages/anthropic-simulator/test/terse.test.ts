import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator, validateJson } from '../src/index.js';
import { client, qcRequest, ticket, tokens } from './helpers.js';
import { CRITERIA, keyedVerdictSchema, terseVerdictSchema } from './verdict-schema.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function toolUse(message: { content: { type: string }[] }): Record<string, unknown> {
  const block = message.content.find((b) => b.type === 'tool_use') as
    | { input: Record<string, unknown> }
    | undefined;
  if (!block) throw new Error('no tool_use');
  return block.input;
}

describe('the terse record_verdict schema (issue 12)', () => {
  it('answers in the schema’s shape: results by id, notes only for criteria not met, no outcome or score', async () => {
    sim = await startSimulator({ noise: 0 });
    const schema = terseVerdictSchema();
    const reply = await client(sim).messages.create(qcRequest({ schema }));
    const input = toolUse(reply);
    expect(validateJson(input, schema as never)).toEqual([]);
    expect(Object.keys(input.results as object).sort()).toEqual([...CRITERIA].sort());
    expect(input).not.toHaveProperty('outcome');
    expect(input).not.toHaveProperty('score');
    const results = input.results as Record<string, string>;
    for (const n of input.notes as { criterion: string }[]) {
      expect(['partial', 'missing']).toContain(results[n.criterion]);
    }
    expect((input.summary as string).length).toBeLessThanOrEqual(200);
  });

  it('counts output tokens from the JSON it emits, so the smaller schema costs fewer', async () => {
    sim = await startSimulator({ noise: 0 });
    const api = client(sim);
    const data = ticket();
    const long = await api.messages.create(qcRequest({ ticketData: data }));
    const terse = await api.messages.create(
      qcRequest({ ticketData: data, schema: terseVerdictSchema() }),
    );
    for (const m of [long, terse])
      expect(m.usage.output_tokens).toBe(tokens(JSON.stringify(toolUse(m))));
    expect(terse.usage.output_tokens).toBeLessThan(long.usage.output_tokens * 0.7);
  });

  it('allNa fault on the terse shape marks every criterion n/a', async () => {
    sim = await startSimulator({ noise: 0 });
    sim.injectFaults('allNa', 1);
    const input = toolUse(
      await client(sim).messages.create(qcRequest({ schema: terseVerdictSchema() })),
    );
    expect(new Set(Object.values(input.results as object))).toEqual(new Set(['n/a']));
  });

  it('keyed notes: maps by criterion id for unmet criteria only, empty lists left out, no summary', async () => {
    sim = await startSimulator({ noise: 0 });
    const schema = keyedVerdictSchema();
    // A thin ticket: several criteria are not met, nothing is escalated.
    const data = ticket({
      description: 'printer broken',
      comments: [],
      timeEntries: [{ minutes: 15, note: 'fixed', author: 'Tech' }],
    });
    const input = toolUse(
      await client(sim).messages.create(qcRequest({ schema, ticketData: data })),
    );
    expect(validateJson(input, schema as never)).toEqual([]);
    expect(input).not.toHaveProperty('summary');
    const results = input.results as Record<string, string>;
    const notes = input.notes as Record<string, string>;
    expect(Object.keys(notes).length).toBeGreaterThan(0);
    for (const id of Object.keys(notes)) expect(['partial', 'missing']).toContain(results[id]);
    for (const id of Object.keys((input.evidence as object | undefined) ?? {})) {
      expect(['partial', 'missing']).toContain(results[id]);
    }
    for (const value of Object.values(input)) {
      if (Array.isArray(value)) expect(value.length).toBeGreaterThan(0);
    }
  });

  it('counts output tokens from the keyed JSON it emits, fewer than the first terse shape', async () => {
    sim = await startSimulator({ noise: 0 });
    const api = client(sim);
    const data = ticket({ description: 'printer broken', comments: [] });
    const first = await api.messages.create(
      qcRequest({ ticketData: data, schema: terseVerdictSchema() }),
    );
    const keyed = await api.messages.create(
      qcRequest({ ticketData: data, schema: keyedVerdictSchema() }),
    );
    for (const m of [first, keyed])
      expect(m.usage.output_tokens).toBe(tokens(JSON.stringify(toolUse(m))));
    expect(keyed.usage.output_tokens).toBeLessThan(first.usage.output_tokens);
    // Same judgments either way: the shape changes, the grade does not.
    expect(toolUse(keyed).results).toEqual(toolUse(first).results);
  });

  it('allNa fault on the keyed shape: every criterion n/a, no notes, still schema-valid', async () => {
    sim = await startSimulator({ noise: 0 });
    sim.injectFaults('allNa', 1);
    const schema = keyedVerdictSchema();
    const input = toolUse(await client(sim).messages.create(qcRequest({ schema })));
    expect(new Set(Object.values(input.results as object))).toEqual(new Set(['n/a']));
    expect(input).not.toHaveProperty('notes');
    expect(validateJson(input, schema as never)).toEqual([]);
  });
});
