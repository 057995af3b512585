import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchRequest, sharedParams } from '../../src/batches/params.js';
import type { Verdict } from '../../src/context/verdict.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { qcContextOf, systemBlocks } from '../../src/qc/context.js';
import { newRedactTable, REDACT_KINDS, Redactor } from '../../src/ticket/redact.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { loadExamples, type Pipeline, startPipeline, waitFor } from '../helpers/pipeline.js';

// Defect 7 of issue 10 (redaction): e-mail, phone, card number and secrets
// reached the model verbatim. QC_REDACT replaces them before any model call.

const PII = {
  email: 'karen.liu@bluestemcpa.example',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  iban: 'GB82 WEST 1234 5698 7654 32',
  ip: '203.0.113.47',
  password: 'Tr0ub4dor&3-horse',
};

function withPii(t: Ticket): Ticket {
  return {
    ...t,
    externalId: `${t.externalId}-pii`,
    description: `${t.description}\nContact ${PII.email} or ${PII.phone}. Office IP ${PII.ip}.`,
    comments: [
      ...t.comments,
      {
        author: 'Karen Liu',
        role: 'customer',
        public: true,
        body: `Pay the invoice with card ${PII.card}, or IBAN ${PII.iban}. Mail ${PII.email} again.\npassword: ${PII.password}`,
        at: t.updatedAt,
      },
    ],
  };
}

let db: TestDb;
let sim: Simulator;
let p: Pipeline | undefined;

beforeAll(async () => {
  sim = await startSimulator({ seed: 7, noise: 0 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await p?.close();
  p = undefined;
  await db?.drop();
});

const messageBodies = () =>
  sim
    .requests()
    .filter((r) => r.path.startsWith('/v1/messages'))
    .map((r) => r.body as Record<string, unknown>);

describe('the redactor', () => {
  const r = new Redactor(REDACT_KINDS);
  it('replaces each kind with a placeholder that is stable for the same value', () => {
    const t = newRedactTable();
    const out = r.text(
      `a ${PII.email} b ${PII.email} c other@x.example d ${PII.card} e ${PII.iban} f ${PII.ip} g ${PII.phone}. h (555) 123-4567, ip ${PII.ip}.`,
      t,
    );
    expect(out).toBe(
      'a [EMAIL_1] b [EMAIL_1] c [EMAIL_2] d [CARD_1] e [IBAN_1] f [IP_1] g [PHONE_1]. h [PHONE_2], ip [IP_1].',
    );
  });

  it('cards need a valid Luhn check; ids, dates, times and versions are left alone', () => {
    const t = newRedactTable();
    const text =
      'order 4111 1111 1111 1112, ticket 12345678, at 2026-10-01T10:05:00Z, driver 7.0.1 → 7.3.0, 42 GB, KB5034441';
    expect(r.text(text, t)).toBe(text);
  });

  it('anything after "password:" to the end of the line, in plain and in JSON-encoded text', () => {
    const t = newRedactTable();
    expect(r.text('Password: hunter2 is the temp one\nnext line', t)).toBe(
      'Password: [SECRET_1]\nnext line',
    );
    const json = JSON.stringify({ body: 'pw: s3cr3t!\\n\nthanks', x: 1 });
    const redacted = r.text(json, t);
    expect(JSON.parse(redacted)).toEqual({ body: 'pw: [SECRET_2]\\n\nthanks', x: 1 });
    expect(r.text('"password:", "pw"', t)).toBe('"password:", "pw"'); // nothing after it
  });

  it('only the configured kinds', () => {
    expect(new Redactor(['email']).text(`${PII.email} ${PII.card}`, newRedactTable())).toBe(
      `[EMAIL_1] ${PII.card}`,
    );
  });
});

describe('QC_REDACT before every model call (checked in the simulator request log)', () => {
  it('grading with a tier-up and a shadow: no value reaches the simulator; system prompt untouched', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url, {
      QC_REDACT: 'email,phone,card,iban,ip,secret',
      QC_SHADOW_RATE: '1',
    });
    const [example] = await loadExamples(1);
    const stored = await upsertTicket(db.pool, withPii(example?.ticket as Ticket));
    sim.clearRequests();
    sim.injectFaults('noTool', 1); // a repair turn too
    await p.startWorker({ concurrency: 1, random: () => 0 });
    await p.enqueue([stored.id]);
    await waitFor('the result', async () => {
      const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
      return r.rows[0]?.n === 1;
    });
    const bodies = messageBodies();
    expect(bodies.length).toBeGreaterThanOrEqual(3); // base, repair, shadow or tier-up
    const sent = JSON.stringify(bodies);
    for (const value of Object.values(PII)) expect(sent).not.toContain(value);
    expect(sent).not.toContain('4111111111111111');
    const ticketTexts = bodies.map((b) => {
      const first = (b.messages as { content: { text: string }[] }[])[0];
      return first?.content[0]?.text ?? '';
    });
    for (const t of ticketTexts) {
      expect(t).toContain('[EMAIL_1]');
      expect(t).toContain('[CARD_1]');
      expect(t).toContain('password: [SECRET_1]');
      expect(t.split('[EMAIL_1]').length).toBe(3); // the same address twice, one placeholder
      expect(t).toBe(ticketTexts[0]); // stable across base, repair, tier-up and shadow
    }
    // The context (system blocks) is sent exactly as stored.
    const ctx = qcContextOf(await p.rt.contexts.active());
    for (const b of bodies) expect(b.system).toEqual(systemBlocks(ctx));
    // The redacted secret still fails no_secrets (rubric: a placeholder is a secret that was there).
    const r = await db.pool.query<{ verdict: Verdict }>('SELECT verdict FROM qc_results');
    const verdict = r.rows[0]?.verdict;
    expect(verdict?.criteria.find((c) => c.criterion === 'no_secrets')?.result).toBe('missing');
    const stored2 = JSON.stringify(verdict);
    for (const value of Object.values(PII)) expect(stored2).not.toContain(value);
  });

  it('Message Batches and chief evidence are redacted too; instructions and files are not', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url, { QC_REDACT: 'all' });
    const ctx = qcContextOf(await p.rt.contexts.active());
    const [example] = await loadExamples(1);
    sim.clearRequests();
    const shared = sharedParams(ctx, p.config.QC_MODEL, 4096);
    await p.rt.anthropic.messages.batches.create({
      requests: [batchRequest(shared, 't-1', withPii(example?.ticket as Ticket))],
    });
    await p.rt.anthropic.messages.create({
      model: p.config.CHIEF_MODEL,
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: `Mail ops@northbeam.example if unsure.\n<file name="standards.md">\nwrite to help@northbeam.example\n</file>\n<evidence>\n{"quote": "call ${PII.phone}, password: ${PII.password}"}\n</evidence>`,
        },
      ],
    });
    const [batch, chief] = messageBodies();
    const batchText = JSON.stringify(batch);
    for (const value of Object.values(PII)) expect(batchText).not.toContain(value);
    expect(batchText).toContain('[EMAIL_1]');
    const text = (chief?.messages as { content: string }[] | undefined)?.[0]?.content;
    expect(text).toContain('ops@northbeam.example'); // product text: not data
    expect(text).toContain('help@northbeam.example'); // the file the chief revises
    expect(text).toContain('call [PHONE_1], password: [SECRET_1]"}');
  });
});
