import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qcContextOf } from '../../src/qc/context.js';
import { gradeTicket } from '../../src/qc/grade.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { TICKET_MAX_CHARS } from '../../src/ticket/truncate.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { loadExamples } from '../helpers/pipeline.js';

// The verdict says "ticket truncated" exactly when the ticket the model was
// sent was cut: machine output that prompt hygiene clips (src/ticket/hygiene.ts)
// can make a ticket's stored JSON long while what is sent is short.

let db: TestDb;
let sim: Simulator;
let rt: Runtime;
let base: Ticket;

beforeAll(async () => {
  sim = await startSimulator({ seed: 12, noise: 0 });
  db = await createTestDb();
  const config = testConfig({ DATABASE_URL: db.url, ANTHROPIC_BASE_URL: sim.url });
  rt = createRuntime(config, { pool: db.pool });
  base = (await loadExamples(1))[0]?.ticket as Ticket;
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});

/** The ticket region of every verdict request the simulator received, decoded. */
function sentTickets(): Record<string, unknown>[] {
  return sim
    .requests()
    .filter((r) => r.path === '/v1/messages')
    .map(
      (r) => r.body as { tools: { name?: string }[]; messages: { content: { text?: string }[] }[] },
    )
    .filter((b) => b.tools[0]?.name === 'record_verdict')
    .map((b) => {
      const text = b.messages[0]?.content[0]?.text ?? '';
      return JSON.parse(
        text.slice(text.indexOf('<ticket>\n') + 9, -'\n</ticket>'.length),
      ) as Record<string, unknown>;
    });
}

/** Grades `ticket`; the verdict, and the tickets its verdict requests carried (at least one). */
async function graded(ticket: Ticket) {
  const ctx = qcContextOf(await rt.contexts.active());
  sim.clearRequests();
  const out = await gradeTicket(
    { llm: rt.llm, settings: rt.settings, random: () => 1 },
    ctx,
    ticket,
  );
  const sent = sentTickets();
  expect(sent.length).toBeGreaterThan(0);
  return { out, sent };
}

describe('the truncation note follows what was sent', () => {
  it('a long base64 blob that hygiene clips: nothing is truncated, and the verdict does not say so', async () => {
    const blob = 'QUJD'.repeat(Math.ceil((TICKET_MAX_CHARS * 1.2) / 4));
    const ticket: Ticket = {
      ...base,
      externalId: `${base.externalId}-blob`,
      description: `${base.description}\n\nAttached log (base64): ${blob}`,
    };
    expect(JSON.stringify(ticket).length).toBeGreaterThan(TICKET_MAX_CHARS);
    const { out, sent } = await graded(ticket);
    for (const t of sent) expect(t.truncated).toBeUndefined();
    expect(out.verdict.missing_information.join('\n')).not.toMatch(
      /ticket truncated before grading/,
    );
  });

  it('a ticket whose own prose is too long: it is cut, and the verdict says so', async () => {
    const prose = 'The printer on the third floor jams again. '.repeat(
      Math.ceil((TICKET_MAX_CHARS * 1.2) / 43),
    );
    const ticket: Ticket = { ...base, externalId: `${base.externalId}-prose`, description: prose };
    const { out, sent } = await graded(ticket);
    for (const t of sent) expect(t.truncated).toBeTruthy();
    expect(out.verdict.missing_information[0]).toMatch(/^ticket truncated before grading/);
  });
});
