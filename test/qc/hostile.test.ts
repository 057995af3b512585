import { readFileSync } from 'node:fs';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qcContextOf, systemBlocks } from '../../src/qc/context.js';
import { gradeTicket } from '../../src/qc/grade.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { TICKET_MAX_CHARS } from '../../src/ticket/truncate.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { loadExamples } from '../helpers/pipeline.js';

// Issue 10, "Must exist besides": the hostile-ticket corpus, each case checked
// against what the simulator actually received.

interface Case {
  id: string;
  kind: string;
  where: 'description' | 'comment' | 'subject' | 'triage' | 'customField' | 'manyComments';
  text: string;
  expect: {
    delimited: boolean;
    systemUnchanged: boolean;
    notPass: boolean;
    escalation?: string;
    truncated?: boolean;
  };
}
const corpus = JSON.parse(readFileSync('test/fixtures/hostile/cases.json', 'utf8')) as {
  baseTicket: string;
  cases: Case[];
};

let db: TestDb;
let sim: Simulator;
let rt: Runtime;
let base: Ticket;

beforeAll(async () => {
  sim = await startSimulator({ seed: 10, noise: 0 });
  db = await createTestDb();
  const config = testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url });
  rt = createRuntime(config, { pool: db.pool });
  const all = await loadExamples(200);
  base = all.find((x) => x.ticket.externalId === corpus.baseTicket)?.ticket as Ticket;
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});

function inject(t: Ticket, c: Case): Ticket {
  const comment = (body: string) => ({
    author: 'Customer',
    role: 'customer' as const,
    public: true,
    body,
    at: t.updatedAt,
  });
  switch (c.where) {
    case 'description':
      return { ...t, description: `${t.description}\n${c.text}` };
    case 'subject':
      return { ...t, subject: c.text };
    case 'comment':
      return { ...t, comments: [...t.comments, comment(c.text)] };
    case 'triage':
      return {
        ...t,
        triage: {
          ...(t.triage ?? { by: 'triage', kind: 'agent' }),
          notes: c.text,
        } as Ticket['triage'],
      };
    case 'customField':
      return { ...t, customFields: { ...t.customFields, note: c.text } };
    case 'manyComments':
      return {
        ...t,
        comments: [
          ...t.comments,
          ...Array.from({ length: 300 }, (_, i) => comment(`${c.text} #${i} ${'.'.repeat(300)}`)),
        ],
      };
  }
}

describe('the hostile-ticket corpus', () => {
  it('has at least 40 cases of every required kind', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(corpus.cases.map((c) => c.kind));
    for (const k of ['instruction', 'delimiter', 'tool', 'unicode', 'encoding', 'all_na', 'long'])
      expect(kinds).toContain(k);
    expect(new Set(corpus.cases.map((c) => c.id)).size).toBe(corpus.cases.length);
  });

  it.each(corpus.cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const ctx = qcContextOf(await rt.contexts.active());
    const ticket = inject(base, c);
    sim.clearRequests();
    const out = await gradeTicket(
      { llm: rt.llm, settings: rt.settings, random: () => 1 },
      ctx,
      ticket,
    );
    const sent = sim.requests().filter((r) => r.path === '/v1/messages');
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      const body = r.body as {
        system: unknown;
        tools: unknown[];
        messages: { role: string; content: { type: string; text?: string }[] }[];
      };
      const verdictCall =
        (body.tools[0] as { name?: string } | undefined)?.name === 'record_verdict';
      if (c.expect.systemUnchanged && verdictCall) {
        expect(body.system).toEqual(systemBlocks(ctx, rt.settings.cacheTtl));
        expect(body.tools).toEqual([ctx.tool]);
      }
      let text = body.messages[0]?.content[0]?.text ?? '';
      if (!verdictCall) {
        // The second opinion (src/qc/second-opinion-call.ts): the base grader's
        // reasons quote the ticket, so they are a delimited data region too.
        expect(text.startsWith('<grader_reasons>\n')).toBe(true);
        const end = text.indexOf('\n</grader_reasons>\n');
        expect(end).toBeGreaterThan(0);
        expect(text.slice('<grader_reasons>\n'.length, end)).not.toContain('<');
        text = text.slice(end + '\n</grader_reasons>\n'.length);
      }
      // Exactly one data region; nothing in the ticket can open or close another.
      expect(text.split('<ticket>').length - 1).toBe(1);
      expect(text.split('</ticket>').length - 1).toBe(1);
      expect(text.endsWith('\n</ticket>')).toBe(true);
      const region = text.slice(text.indexOf('<ticket>\n') + 9, -'\n</ticket>'.length);
      expect(region).not.toContain('<');
      const decoded = JSON.parse(region) as Record<string, unknown> & { truncated?: unknown };
      if (c.expect.truncated) {
        expect(decoded.truncated).toBeTruthy();
        expect(region.length).toBeLessThan(TICKET_MAX_CHARS * 1.5);
      } else {
        expect(decoded.truncated).toBeUndefined();
        // The hostile text arrives intact, as data.
        expect(JSON.stringify(decoded)).toContain(
          JSON.stringify(c.text).slice(1, -1).slice(0, 200),
        );
      }
    }
    const v = out.verdict;
    if (c.expect.notPass) expect(v.outcome, v.summary).not.toBe('pass');
    if (c.expect.escalation)
      expect(v.escalations.map((e) => e.rule)).toContain(c.expect.escalation);
    if (c.expect.truncated)
      expect(v.missing_information[0]).toMatch(/^ticket truncated before grading/);
  });
});
