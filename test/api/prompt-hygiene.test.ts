import { describe, expect, it } from 'vitest';
import { ticketMessage } from '../../src/qc/prompt.js';
import {
  clipMachineOutput,
  KEEP_HEAD,
  KEEP_TAIL,
  MAX_RUN_LINES,
} from '../../src/ticket/hygiene.js';
import { Ticket } from '../../src/ticket/schema.js';
import { deliver, fixture, startHarness } from './helpers.js';

/** Long machine output is clipped by the documented rule, keeping start and end and saying so. */

// A Java stack dump of about 3 KB, as it lands in a Jira custom field.
const frames = Array.from(
  { length: 40 },
  (_, i) => `\tat com.acme.billing.InvoiceService.render${i}(InvoiceService.java:${100 + i})`,
);
const STACK = [
  'java.lang.IllegalStateException: invoice 4711 has no currency',
  ...frames,
  'Caused by: java.lang.NullPointerException: currency',
  '\tat com.acme.billing.Money.of(Money.java:42)',
].join('\n');

describe('prompt hygiene', () => {
  it('a stack dump keeps its first and last lines and says how many were cut', () => {
    expect(STACK.length).toBeGreaterThan(2_500);
    const out = clipMachineOutput(`The export fails:\n${STACK}\nPlease advise.`);
    const lines = out.split('\n');
    expect(lines[0]).toBe('The export fails:');
    expect(lines[1]).toBe('java.lang.IllegalStateException: invoice 4711 has no currency');
    const cut = STACK.split('\n').length - KEEP_HEAD - KEEP_TAIL;
    expect(out).toContain(`[… ${cut} lines of machine output cut by ticket-qc …]`);
    expect(out).toContain('Caused by: java.lang.NullPointerException: currency');
    expect(lines.at(-1)).toBe('Please advise.');
    expect(out.length).toBeLessThan(1_000);
  });

  it('prose and short traces are untouched; base64 keeps its ends', () => {
    const prose = 'I restarted the spooler.\n'.repeat(50);
    expect(clipMachineOutput(prose)).toBe(prose);
    const short = STACK.split('\n').slice(0, MAX_RUN_LINES).join('\n');
    expect(clipMachineOutput(short)).toBe(short);
    const blob = 'A'.repeat(64) + 'B'.repeat(5_000) + 'C'.repeat(16);
    const out = clipMachineOutput(`see attachment ${blob} thanks`);
    expect(out).toBe(
      `see attachment ${'A'.repeat(64)}[… 5000 characters of encoded data cut by ticket-qc …]${'C'.repeat(16)} thanks`,
    );
  });

  it('a Jira custom field holding a 3 KB stack dump reaches the prompt clipped, and is stored whole', async () => {
    const h = await startHarness();
    try {
      const body = JSON.parse(fixture('jira/issue-resolved.json'));
      body.issue.fields.customfield_10020 = STACK;
      const res = await deliver(h, 'jira', JSON.stringify(body));
      expect(res.statusCode, res.body).toBe(202);
      const r = await h.db.pool.query<{ ticket: unknown }>(
        'SELECT ticket FROM tickets WHERE id = $1',
        [res.json().ticketId],
      );
      const t = Ticket.parse(r.rows[0]?.ticket);
      expect(t.customFields.customfield_10020).toBe(STACK);
      const prompt = JSON.stringify(ticketMessage(t));
      expect(prompt).toContain('lines of machine output cut by ticket-qc');
      expect(prompt).not.toContain('render20(');
    } finally {
      await h.close();
    }
  });

  it('custom fields outside the per-source allow-list never reach the ticket', async () => {
    const h = await startHarness({ env: { SOURCE_CUSTOM_FIELDS: 'jira=customfield_10030' } });
    try {
      const res = await deliver(h, 'jira', fixture('jira/issue-resolved.json'));
      const r = await h.db.pool.query<{ ticket: unknown }>(
        'SELECT ticket FROM tickets WHERE id = $1',
        [res.json().ticketId],
      );
      const t = Ticket.parse(r.rows[0]?.ticket);
      expect(Object.keys(t.customFields).filter((k) => k.startsWith('customfield_'))).toEqual([
        'customfield_10030',
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('the length cap (rule 3)', () => {
  it('caps a long custom field but never the ticket’s own prose, which truncate.ts handles whole', () => {
    const prose = 'The customer explained the problem at length. '.repeat(200);
    expect(prose.length).toBeGreaterThan(4_000);
    expect(clipMachineOutput(prose)).toBe(prose);
    const capped = clipMachineOutput(prose, { cap: true });
    expect(capped.length).toBeLessThan(4_100);
    expect(capped).toMatch(/characters cut by ticket-qc/);
    expect(capped.startsWith(prose.slice(0, 100))).toBe(true);
    expect(capped.endsWith(prose.slice(-100))).toBe(true);
  });
});
