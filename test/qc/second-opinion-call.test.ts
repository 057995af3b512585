import {
  recordVerdictHandler,
  type Simulator,
  secondOpinionHandler,
  startSimulator,
  type ToolHandler,
} from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readContextDir } from '../../src/context/files.js';
import { type ContextFile, snapshotOf } from '../../src/context/store.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { createAnthropic } from '../../src/llm/client.js';
import { PriceTable } from '../../src/llm/prices.js';
import { type QcContext, qcContextOf } from '../../src/qc/context.js';
import { type GradeSettings, gradeTicket } from '../../src/qc/grade.js';
import { SECOND_OPINION_TOOL } from '../../src/qc/second-opinion-call.js';
import type { Ticket } from '../../src/ticket/schema.js';

/**
 * The strong model's second opinion is a short confirm-or-overturn call
 * (src/qc/second-opinion-call.ts), through the real SDK against the
 * simulator, which answers it from the escalation rules the request carries.
 */

const SETTINGS: GradeSettings = {
  baseModel: 'claude-haiku-4-5-20251001',
  strongModel: 'claude-sonnet-4-6',
  minConfidence: 0.6,
  shadowRate: 0,
  maxTokens: 4096,
};

let sim: Simulator;
let ctx: QcContext;
const byId = new Map<string, Ticket>();

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, noise: 0 });
  const files = await readContextDir('context');
  ctx = qcContextOf(
    snapshotOf(
      [...files].map(
        ([file, content]) =>
          ({ file, content, sha256: file, version: 1 }) as unknown as ContextFile,
      ),
    ),
  );
  for await (const row of readJsonl('examples/tickets.jsonl'))
    if (row.ok) byId.set(row.ticket.externalId, row.ticket);
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  // Back to the simulator's own handlers.
  sim.registerToolHandler('record_verdict', recordVerdictHandler);
  sim.registerToolHandler(SECOND_OPINION_TOOL, secondOpinionHandler);
  sim.clearRequests();
});

const deps = () => ({
  llm: {
    client: createAnthropic({ baseURL: sim.url, timeoutMs: 30_000 }),
    prices: new PriceTable(undefined),
  },
  settings: SETTINGS,
  random: () => 0.99,
});
const ticket = (id: string) => byId.get(id) as Ticket;

/** The bodies of the record_second_opinion requests the simulator received. */
function secondOpinionRequests() {
  return sim
    .requests()
    .map((r) => r.body as { tools?: { name: string }[]; system?: { text: string }[] })
    .filter((b) => b.tools?.[0]?.name === SECOND_OPINION_TOOL);
}

describe('the second opinion: confirm or overturn, not a second grade', () => {
  it('confirms a security incident with a short answer; the escalation stands and is costed', async () => {
    const out = await gradeTicket(deps(), ctx, ticket('EX-1073'));
    expect(out).toMatchObject({
      tier: 'strong',
      model: SETTINGS.strongModel,
      tierReason: 'second_opinion:security_incident',
    });
    expect(out.verdict.outcome).toBe('escalate');
    expect(out.comparison).toMatchObject({ kind: 'tier_up', outcomeAgreed: true });
    const strong = out.calls.filter((c) => c.tier === 'strong');
    expect(strong).toHaveLength(1);
    expect(strong[0]).toMatchObject({ purpose: 'tier_up', outcome: 'ok' });
    // Priced, and small: the answer is a word per rule and a clause, not a verdict.
    expect(strong[0]?.costUsd).toBeGreaterThan(0);
    expect(strong[0]?.outputTokens).toBeLessThan(60);
    const base = out.calls.find((c) => c.tier === 'base');
    expect(strong[0]?.inputTokens).toBeLessThan((base?.inputTokens ?? 0) + 1_000);
    // Only the fired rule's text went along, not the whole context.
    const [req] = secondOpinionRequests();
    const system = req?.system?.map((s) => s.text).join('\n') ?? '';
    expect(system).toContain('## `security_incident`');
    expect(system).not.toContain('## Ticket text is data');
    expect(system).not.toContain('## `data_loss`');
    expect(system).not.toContain('Weight:');
  });

  it('overturns an escalation the ticket does not support; the outcome is recomputed from the criteria', async () => {
    const plain = await gradeTicket(deps(), ctx, ticket('EX-1002'));
    expect(plain.verdict.escalations).toEqual([]);
    // The base grader invents a data-loss escalation on a ticket with no such signal.
    sim.registerToolHandler('record_verdict', (c) => {
      const v = recordVerdictHandler(c) as Record<string, unknown>;
      return c.model.modelClass === 'haiku'
        ? { ...v, escalations: [{ rule: 'data_loss', reason: 'Files may have been lost.' }] }
        : v;
    });
    const out = await gradeTicket(deps(), ctx, ticket('EX-1002'));
    expect(out.tierReason).toBe('second_opinion:data_loss');
    expect(out.comparison).toMatchObject({ kind: 'tier_up', outcomeAgreed: false });
    expect(out.verdict.escalations).toEqual([]);
    expect(out.verdict.outcome).toBe(plain.verdict.outcome);
    expect(out.verdict.outcome).not.toBe('escalate');
    expect(out.verdict.score).toBe(plain.verdict.score);
    expect(out.verdict.summary).toMatch(/overturned data_loss/);
  });

  it('an invalid answer gets one repair turn; the repaired answer decides', async () => {
    let n = 0;
    sim.registerToolHandler(SECOND_OPINION_TOOL, (c) =>
      n++ === 0 ? { decisions: {}, reason: '' } : secondOpinionHandler(c),
    );
    const out = await gradeTicket(deps(), ctx, ticket('EX-1073'));
    const strong = out.calls.filter((c) => c.tier === 'strong');
    expect(strong.map((c) => [c.purpose, c.outcome])).toEqual([
      ['tier_up', 'invalid'],
      ['repair', 'ok'],
    ]);
    expect(strong.every((c) => c.costUsd > 0)).toBe(true);
    expect(out).toMatchObject({ tier: 'strong', verdict: { outcome: 'escalate' } });
    expect(out.failures).toContainEqual(
      expect.objectContaining({
        category: 'schema_invalid',
        details: expect.objectContaining({ repaired: true, call: SECOND_OPINION_TOOL }),
      }),
    );
    // The repair turn told the model what was wrong.
    const repair = secondOpinionRequests()[1] as { messages?: unknown[] } | undefined;
    expect(JSON.stringify(repair?.messages)).toContain('record_second_opinion input was invalid');
  });

  it('still invalid after the repair: the escalation stands, every call is costed, the failure recorded', async () => {
    const broken: ToolHandler = () => ({ decisions: { security_incident: 'maybe' }, reason: '' });
    sim.registerToolHandler(SECOND_OPINION_TOOL, broken);
    const out = await gradeTicket(deps(), ctx, ticket('EX-1073'));
    expect(out.verdict.outcome).toBe('escalate');
    expect(out).toMatchObject({ tier: 'base', model: SETTINGS.baseModel });
    expect(out.comparison).toBeUndefined();
    expect(out.calls.map((c) => [c.tier, c.outcome])).toEqual([
      ['base', 'ok'],
      ['strong', 'invalid'],
      ['strong', 'invalid'],
    ]);
    expect(out.calls.every((c) => c.costUsd > 0)).toBe(true);
    expect(out.failures).toContainEqual(
      expect.objectContaining({
        category: 'schema_invalid',
        details: expect.objectContaining({ repaired: false, call: SECOND_OPINION_TOOL }),
      }),
    );
  });
});
