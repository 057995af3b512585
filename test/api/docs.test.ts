import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VENDOR_SOURCES } from '../../src/api/sources/index.js';
import { Ticket } from '../../src/ticket/schema.js';
import { runToExit } from '../helpers/process.js';
import { deliver, type Harness, signedHeaders, startHarness } from './helpers.js';

/**
 * docs/integrations.md is executable: every example delivery in it is sent,
 * authenticated as its vendor would, to the real app, and must be stored as
 * exactly the ticket the guide shows under it (or answered exactly as shown).
 * The Freshdesk template, the ServiceNow business rule and the shell signing
 * example are run too.
 */

const RECEIPT = '(time of receipt)';
const GUIDE = readFileSync(new URL('../../docs/integrations.md', import.meta.url), 'utf8');

interface Block {
  lang: string;
  attrs: Record<string, string>;
  text: string;
  /** 1-based line of the opening fence, for test names. */
  line: number;
}

/** Fenced blocks with their info strings: ```json webhook=jira → lang json, attrs {webhook: 'jira'}. */
function blocksOf(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const attrs: Record<string, string> = {};
    for (const word of (open[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
      const [key = '', value = ''] = word.split('=', 2);
      attrs[key] = value;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    blocks.push({ lang: open[1] ?? '', attrs, text: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

const BLOCKS = blocksOf(GUIDE);

interface Example {
  source: string;
  block: Block;
  /** The block right after it: the stored ticket, or the exact answer. */
  expected: Block;
}

const EXAMPLES: Example[] = BLOCKS.flatMap((block, i) => {
  const source = block.attrs.webhook;
  const expected = BLOCKS[i + 1];
  if (!source || !expected) return [];
  return [{ source, block, expected }];
});

function only(predicate: (b: Block) => boolean, what: string): Block {
  const found = BLOCKS.filter(predicate);
  if (found.length !== 1)
    throw new Error(`expected one ${what} block in the guide, found ${found.length}`);
  return found[0] as Block;
}

/** The first example delivery after a block (the one the guide says it produces). */
function exampleAfter(block: Block, source: string): Example {
  const ex = EXAMPLES.find((e) => e.source === source && e.block.line > block.line);
  if (!ex) throw new Error(`no ${source} example after line ${block.line}`);
  return ex;
}

// ServiceNow's REST message is set up with a Basic auth profile (section 8).
const SERVICENOW_SECRET = 'qc-servicenow:doc-test-password';
const HALOPSA_SECRET = 'halopsa-doc-secret';

const DELIVERY_ID_HEADER: Record<string, string> = {
  jira: 'x-atlassian-webhook-identifier',
  freshdesk: 'x-delivery-id',
  servicenow: 'x-delivery-id',
  generic: 'x-delivery-id',
};

function basic(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** The headers the vendor sends for this exact body, with a delivery id where it has a place for one. */
function vendorHeaders(source: string, body: string, deliveryId?: string): Record<string, string> {
  const headers: Record<string, string> =
    source === 'servicenow'
      ? { 'content-type': 'application/json', authorization: basic(SERVICENOW_SECRET) }
      : signedHeaders(source, body);
  const name = DELIVERY_ID_HEADER[source];
  if (deliveryId && name) headers[name] = deliveryId;
  return headers;
}

async function storedTicket(h: Harness, id: number) {
  const r = await h.db.pool.query<{ ticket: unknown }>('SELECT ticket FROM tickets WHERE id = $1', [
    id,
  ]);
  return Ticket.parse(r.rows[0]?.ticket);
}

describe('docs/integrations.md', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        WEBHOOK_SECRET_SERVICENOW: SERVICENOW_SECRET,
        WEBHOOK_SECRET_HALOPSA: HALOPSA_SECRET,
      },
    });
  });
  afterAll(() => h?.close());

  it('has an example delivery for every built-in source, each followed by what it produces', () => {
    expect(new Set(EXAMPLES.map((e) => e.source))).toEqual(new Set(VENDOR_SOURCES));
    for (const { block, expected } of EXAMPLES) {
      expect(block.lang, `line ${block.line}`).toBe('json');
      expect(() => JSON.parse(block.text), `line ${block.line}`).not.toThrow();
      expect(
        'stored' in expected.attrs || 'response' in expected.attrs,
        `the block after line ${block.line} says what the delivery produces`,
      ).toBe(true);
    }
  });

  for (const { source, block, expected } of EXAMPLES) {
    const name = `${source} example (line ${block.line})`;

    if ('stored' in expected.attrs) {
      it(`${name} is accepted and stored as the guide shows; its retries change nothing`, async () => {
        const deliveryId = `doc-${block.line}`;
        const res = await deliver(
          h,
          source,
          block.text,
          vendorHeaders(source, block.text, deliveryId),
        );
        expect(res.statusCode, res.body).toBe(202);
        const first = res.json();
        expect(first.status).toBe('accepted');
        expect(first.newVersion).toBe(true);
        if (expected.attrs.grading) expect(first.grading).toBe(expected.attrs.grading);
        const stored = await storedTicket(h, first.ticketId);
        // Times filled at receipt are shown as "(time of receipt)": they are this delivery's.
        let text = expected.text;
        if (text.includes(RECEIPT)) {
          expect(stored.filled?.updatedAt).toBe('time of receipt');
          expect(Math.abs(Date.parse(stored.updatedAt) - Date.now())).toBeLessThan(60_000);
          text = text.replaceAll(RECEIPT, stored.updatedAt);
        }
        expect(stored).toEqual(Ticket.parse(JSON.parse(text)));

        // A vendor retry of the same delivery: recognised by its id, nothing written.
        const retry = await deliver(
          h,
          source,
          block.text,
          vendorHeaders(source, block.text, deliveryId),
        );
        expect(retry.statusCode, retry.body).toBe(202);
        expect(retry.json()).toMatchObject({
          status: 'accepted',
          grading: 'duplicate_delivery',
          ticketId: first.ticketId,
          version: first.version,
        });

        // The same content under another delivery id: the same version, not a new one.
        let body = block.text;
        if (source === 'zendesk') {
          body = JSON.stringify({ ...JSON.parse(block.text), id: `${deliveryId}-again` });
        }
        const again = await deliver(
          h,
          source,
          body,
          vendorHeaders(source, body, `${deliveryId}-again`),
        );
        expect(again.statusCode, again.body).toBe(202);
        expect(again.json()).toMatchObject({
          status: 'accepted',
          newVersion: false,
          ticketId: first.ticketId,
          version: first.version,
        });
      });
    } else {
      it(`${name} is answered exactly as the guide shows`, async () => {
        const res = await deliver(h, source, block.text, vendorHeaders(source, block.text));
        expect(res.statusCode, res.body).toBe(Number(expected.attrs.response));
        expect(res.json()).toEqual(JSON.parse(expected.text));
      });
    }
  }

  it('shows the 202 answer with the fields and types the API sends', async () => {
    const shape = JSON.parse(only((b) => b.attrs['response-shape'] === '202', '202 answer').text);
    const generic = EXAMPLES.find((e) => e.source === 'generic');
    if (!generic) throw new Error('no generic example');
    const res = await deliver(h, 'generic', generic.block.text);
    expect(res.statusCode, res.body).toBe(202);
    const real = res.json() as Record<string, unknown>;
    expect(Object.keys(shape).sort()).toEqual(Object.keys(real).sort());
    for (const [key, value] of Object.entries(shape))
      expect(typeof real[key], key).toBe(typeof value);
    expect(real.status).toBe(shape.status);
    expect(real.version).toMatch(/^[0-9a-f]{64}$/);
    expect(shape.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the Freshdesk template, rendered as Freshdesk would, is the example delivery', () => {
    const template = only((b) => b.attrs.template === 'freshdesk', 'Freshdesk template');
    // What Freshdesk substitutes for each placeholder on the example's ticket.
    const rendered: Record<string, string> = {
      'ticket.id': '4821',
      'ticket.subject': 'Password reset for j.doe',
      'ticket.description':
        '<div>Hi, I locked myself out of my account (j.doe@client.example) after the holidays.<br>Can you reset it?</div>',
      'ticket.status': 'Resolved',
      'ticket.priority': 'Low',
      'ticket.ticket_type': 'Service Request',
      'ticket.tags': 'password, account',
      'ticket.requester.name': 'John Doe',
      'ticket.requester.email': 'j.doe@client.example',
      'ticket.agent.name': 'Ana Ops',
      'ticket.agent.email': 'ana@msp.example',
      'ticket.group.name': 'Service Desk L1',
      'ticket.requester.company_name': 'Client Example Ltd',
      'ticket.created_on': '2026-10-05 07:58:00',
      'ticket.status_changed_on': '2026-10-05 08:20:12',
      'ticket.latest_public_comment':
        '<p>Your password has been reset. You will be asked to set a new one at first login.</p>',
      'ticket.latest_private_comment':
        'Verified identity by calling back the number on file (ext. 221).',
      'ticket.cf_client_site': 'Leeds',
    };
    const used = new Set<string>();
    // Freshdesk inserts the text as is; none of these values needs JSON escaping.
    const text = template.text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_all, name: string) => {
      const value = rendered[name];
      if (value === undefined) throw new Error(`no rendering for placeholder {{${name}}}`);
      used.add(name);
      return value;
    });
    expect([...used].sort()).toEqual(Object.keys(rendered).sort());
    const example = exampleAfter(template, 'freshdesk');
    expect(JSON.parse(text)).toEqual(JSON.parse(example.block.text));
    expect('stored' in example.expected.attrs).toBe(true);
  });

  describe('the ServiceNow business rule', () => {
    const rule = only((b) => b.attrs.servicenow === 'business-rule', 'business rule');
    const example = exampleAfter(rule, 'servicenow');
    const record = JSON.parse(example.block.text) as Record<string, unknown>;
    const MOD_COUNT = '7';

    /** The incident as a GlideRecord shows it to the script: values, display values, journals. */
    function glideRecord() {
      const raw = (name: string): string | null => {
        if (name === 'sys_mod_count') return MOD_COUNT;
        const v = record[name];
        const x = v !== null && typeof v === 'object' ? (v as { value?: unknown }).value : v;
        return x === undefined || x === null || x === '' ? null : String(x);
      };
      const journal = (name: string) => ({
        getJournalEntry(n: number) {
          if (n !== -1) throw new Error('the guide reads every journal entry');
          return typeof record[name] === 'string' ? record[name] : '';
        },
      });
      return {
        getValue: raw,
        getDisplayValue(name: string): string {
          const v = record[name];
          if (v !== null && typeof v === 'object')
            return String((v as { display_value?: unknown }).display_value ?? '');
          return raw(name) ?? '';
        },
        getUniqueValue: () => String(record.sys_id),
        comments: journal('comments'),
        work_notes: journal('work_notes'),
      };
    }

    interface Sent {
      message: string;
      method: string;
      headers: Record<string, string>;
      body: string;
    }

    function runRule(status: number) {
      const sent: Sent[] = [];
      const errors: string[] = [];
      class RESTMessageV2 {
        private readonly req: Sent;
        constructor(message: string, method: string) {
          this.req = { message, method, headers: {}, body: '' };
        }
        setRequestHeader(name: string, value: string) {
          this.req.headers[name.toLowerCase()] = value;
        }
        setRequestBody(body: string) {
          this.req.body = body;
        }
        execute() {
          sent.push(this.req);
          return { getStatusCode: () => status, getBody: () => '{"error":{}}' };
        }
      }
      runInNewContext(rule.text, {
        current: glideRecord(),
        previous: null,
        sn_ws: { RESTMessageV2 },
        gs: { error: (msg: string) => errors.push(msg) },
      });
      return { sent, errors };
    }

    it('sends exactly the example body, as JSON, with a delivery id per update', () => {
      const { sent, errors } = runRule(202);
      expect(errors).toEqual([]);
      expect(sent).toHaveLength(1);
      const [req] = sent;
      expect(req?.message).toBe('ticket-qc');
      expect(req?.method).toBe('post');
      expect(req?.headers['content-type']).toBe('application/json');
      expect(req?.headers['x-delivery-id']).toBe(`${record.sys_id}:${MOD_COUNT}`);
      expect(JSON.parse(req?.body ?? '')).toEqual(record);
    });

    it('what it sends is accepted through a Basic auth profile', async () => {
      const [req] = runRule(202).sent;
      if (!req) throw new Error('nothing sent');
      const res = await deliver(h, 'servicenow', req.body, {
        ...req.headers,
        authorization: basic(SERVICENOW_SECRET),
      });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().status).toBe('accepted');
    });

    it('logs any answer other than 202', () => {
      const { errors } = runRule(503);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('INC0010042');
      expect(errors[0]).toContain('503');
    });
  });

  describe('the shell signing example', () => {
    const script = only((b) => b.attrs['hmac-example'] !== undefined, 'shell signing example');
    const generic = EXAMPLES.find((e) => e.source === 'generic');
    const tools = ['bash', 'openssl', 'awk', 'curl'].every(
      (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0,
    );
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ticket-qc-docs-'));
      // The exact bytes of the guide's generic example, as the script's ticket.json.
      writeFileSync(join(dir, 'ticket.json'), generic?.block.text ?? '');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.skipIf(!tools)('computes hex HMAC-SHA256 of the file with the secret as key', () => {
      const sigLine = script.text.split('\n').find((l) => l.startsWith('sig='));
      if (!sigLine) throw new Error('no sig= line in the shell example');
      const out = spawnSync('bash', ['-c', `${sigLine}\nprintf %s "$sig"`], {
        cwd: dir,
        env: { ...process.env, QC_SECRET: HALOPSA_SECRET },
        encoding: 'utf8',
      });
      expect(out.status, out.stderr).toBe(0);
      const bytes = readFileSync(join(dir, 'ticket.json'));
      expect(out.stdout).toBe(createHmac('sha256', HALOPSA_SECRET).update(bytes).digest('hex'));
    });

    it.skipIf(!tools)('as written, delivers the ticket to a custom source name', async () => {
      if (!generic) throw new Error('no generic example');
      const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
      const { code, stdout, stderr } = await runToExit(
        'bash',
        ['-c', script.text],
        { QC_URL: url, QC_SECRET: HALOPSA_SECRET },
        { cwd: dir },
      );
      expect(code, stderr).toBe(0);
      const answer = JSON.parse(stdout);
      expect(answer).toMatchObject({ status: 'accepted', newVersion: true, grading: 'scheduled' });
      const want = Ticket.parse({ ...JSON.parse(generic.expected.text), source: 'halopsa' });
      expect(await storedTicket(h, answer.ticketId)).toEqual(want);
    });
  });
});
