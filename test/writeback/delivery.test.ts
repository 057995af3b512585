import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraWiki } from '../../src/writeback/vendors/index.js';
import {
  AUTH,
  grade,
  hmac,
  outboxOf,
  settled,
  startWritebackHarness,
  storeVersion,
  verdictOf,
  type WritebackHarness,
} from './harness.js';

/**
 * Write-back end to end: a result stored through the real persistence writes
 * its outbox row in the same transaction; the relay and the writeback queue
 * deliver it to the fake help desk over HTTP. Each request is compared with
 * the vendor's documented shape (see src/writeback/vendors/*.ts for the pages).
 */

const JSON_CT = 'application/json';

describe('write-back: the documented request per vendor', () => {
  let h: WritebackHarness;
  beforeAll(async () => {
    h = await startWritebackHarness();
  });
  afterAll(() => h.close());

  it('Zendesk: a private comment on Update Ticket, then Add Tags', async () => {
    const id = await storeVersion(h, 'zendesk', '5158');
    const saved = await grade(h, id, verdictOf(h, 'fail', 55));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'zendesk' });
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'PUT /api/v2/tickets/5158.json 200',
      'PUT /api/v2/tickets/5158/tags 200',
    ]);
    const [note, tags] = reqs;
    expect(note?.headers.authorization).toBe(AUTH.zendesk);
    expect(note?.headers['content-type']).toBe(JSON_CT);
    expect(note?.body).toEqual({ ticket: { comment: { body: row.note, public: false } } });
    expect(tags?.body).toEqual({ tags: ['qc_fail'] });
    // What the technician reads.
    expect(row.note).toContain('ticket-qc verdict: FAIL, score 55/100');
    expect(row.note).toMatch(/^Not met - problem_statement: no problem statement recorded$/m);
    expect(row.note).toContain(`Review: https://qc.acme.example/review/results/${saved.resultId}`);
    expect(row.note).toContain(`[ticket-qc:note=${row.id}]`);
    expect(h.desk.tagsOf('zendesk', '5158')).toEqual(['qc_fail']);
  });

  it('Jira Service Management: an internal request comment (201), then update.labels (204)', async () => {
    const id = await storeVersion(h, 'jira', 'SD-42');
    await grade(h, id, verdictOf(h, 'pass', 92));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'jira' });
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /rest/servicedeskapi/request/SD-42/comment 201',
      'PUT /rest/api/3/issue/SD-42 204',
    ]);
    expect(reqs[0]?.headers).toMatchObject({
      authorization: AUTH.jira,
      'content-type': JSON_CT,
      accept: JSON_CT,
    });
    expect(reqs[0]?.body).toEqual({ body: jiraWiki(row.note ?? ''), public: false });
    // Wiki markup: the marker's brackets would otherwise make a link.
    expect((reqs[0]?.body as { body: string } | undefined)?.body).toContain(
      `\\[ticket-qc:note=${row.id}\\]`,
    );
    expect(reqs[1]?.body).toEqual({ update: { labels: [{ add: 'qc_pass' }] } });
    expect(row.note).not.toContain('Not met');
  });

  it('Freshdesk: a private note (201); tags read, merged and written whole', async () => {
    h.desk.setTags('freshdesk', '4242', ['mobile', 'login']);
    const id = await storeVersion(h, 'freshdesk', '4242');
    await grade(h, id, verdictOf(h, 'escalate', 40));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'freshdesk' });
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /api/v2/tickets/4242/notes 201',
      'GET /api/v2/tickets/4242 200',
      'PUT /api/v2/tickets/4242 200',
    ]);
    expect(reqs[0]?.headers.authorization).toBe(AUTH.freshdesk);
    const body = reqs[0]?.body as { body: string; private: boolean };
    expect(Object.keys(body).sort()).toEqual(['body', 'private']);
    expect(body.private).toBe(true);
    expect(body.body).toMatch(/^<div>ticket-qc verdict: ESCALATED, score 40\/100<\/div>/);
    expect(body.body).toContain('<div>Escalated (');
    expect(reqs[2]?.body).toEqual({ tags: ['mobile', 'login', 'qc_escalated'] });
    expect(row.note).toContain('Escalated (');
  });

  it('ServiceNow: a work note by PATCH on the Table API, never comments', async () => {
    const sysId = 'ef43c6d40a0a0b5700c77f9bf387afe3';
    const id = await storeVersion(h, 'servicenow', sysId);
    await grade(h, id, verdictOf(h, 'fail', 60));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'servicenow' });
    expect(reqs).toHaveLength(1);
    expect(reqs[0]).toMatchObject({
      method: 'PATCH',
      path: `/api/now/table/incident/${sysId}`,
      query: {
        sysparm_fields: 'sys_id,sys_updated_by,sys_updated_on',
        sysparm_exclude_reference_link: 'true',
      },
      status: 200,
    });
    expect(reqs[0]?.headers.authorization).toBe(AUTH.servicenow);
    expect(reqs[0]?.body).toEqual({ work_notes: row.note });
  });

  it('ServiceNow: an incident known by its number is addressed by the sys_id the adapter kept', async () => {
    const sysId = '9d385017c611228701d22104cc95c371';
    const id = await storeVersion(h, 'servicenow', 'INC0010042', {
      customFields: { sys_id: sysId },
    });
    await grade(h, id, verdictOf(h, 'pass', 88));
    await settled(h, id, 'delivered');
    const last = h.desk.requests({ vendor: 'servicenow' }).at(-1);
    expect(last?.path).toBe(`/api/now/table/incident/${sysId}`);
  });

  it('ServiceNow: without a sys_id the note fails with the reason, nothing is sent', async () => {
    const before = h.desk.requests({ vendor: 'servicenow' }).length;
    const id = await storeVersion(h, 'servicenow', 'INC0010043');
    await grade(h, id, verdictOf(h, 'pass', 88));
    const row = await settled(h, id, 'failed');
    expect(row.reason).toContain('no ServiceNow sys_id for INC0010043');
    expect(h.desk.requests({ vendor: 'servicenow' })).toHaveLength(before);
  });

  it('generic: the verdict JSON, POSTed with an HMAC of the exact body', async () => {
    const id = await storeVersion(h, 'generic', 'GEN-7');
    await grade(h, id, verdictOf(h, 'fail', 50));
    await settled(h, id, 'delivered');
    const [req] = h.desk.requests({ vendor: 'generic' });
    expect(req?.path).toBe('/hooks/qc');
    expect(req?.headers['x-signature']).toBe(hmac(req?.rawBody ?? ''));
    expect(req?.body).toMatchObject({
      event: 'ticket-qc.verdict',
      noteKind: 'new',
      ticket: { source: 'generic', externalId: 'GEN-7' },
      verdict: { outcome: 'fail', score: 50 },
    });
  });

  it('a source with write-back off gets no request; its row is settled as off', async () => {
    const id = await storeVersion(h, 'halopsa', 'HP-1');
    const before = h.desk.requests().length;
    await grade(h, id, verdictOf(h, 'fail', 50));
    const row = await settled(h, id, 'off');
    expect(row.reason).toContain('write-back is off for source halopsa');
    expect(h.desk.requests().length).toBe(before);
  });

  it('nothing was ever written where a customer could read it', () => {
    expect(h.desk.notes().length).toBeGreaterThan(0);
    expect(h.desk.notes().filter((n) => n.public)).toEqual([]);
  });
});

describe('write-back: at most one note per verdict', () => {
  let h: WritebackHarness;
  beforeAll(async () => {
    h = await startWritebackHarness();
  });
  afterAll(() => h.close());

  it('a redelivered grade adds no row; a new version with the same verdict writes nothing; a changed verdict writes one "updated" note', async () => {
    const v1 = await storeVersion(h, 'zendesk', '7001');
    await grade(h, v1, verdictOf(h, 'fail', 55));
    await settled(h, v1, 'delivered');
    // The same result again (a retry, a redelivery): no second row, nothing sent.
    const again = await grade(h, v1, verdictOf(h, 'fail', 55));
    expect(again.duplicate).toBe(true);
    const rows = await h.db.pool.query('SELECT id FROM writeback_outbox WHERE ticket_id = $1', [
      v1,
    ]);
    expect(rows.rowCount).toBe(1);

    // A new ticket version graded the same: skipped, not posted.
    const v2 = await storeVersion(h, 'zendesk', '7001');
    await grade(h, v2, verdictOf(h, 'fail', 55));
    const skipped = await settled(h, v2, 'skipped');
    expect(skipped.reason).toMatch(/same verdict/);

    // A new version whose verdict changed: one "updated" note, the old outcome tag swapped.
    const v3 = await storeVersion(h, 'zendesk', '7001');
    await grade(h, v3, verdictOf(h, 'pass', 90));
    const updated = await settled(h, v3, 'delivered');
    expect(updated.noteKind).toBe('updated');
    expect(updated.note).toContain('ticket-qc verdict (updated): PASS, score 90/100');
    const reqs = h.desk.requests({ vendor: 'zendesk' });
    expect(reqs.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /api/v2/tickets/7001.json',
      'PUT /api/v2/tickets/7001/tags',
      'PUT /api/v2/tickets/7001.json',
      'DELETE /api/v2/tickets/7001/tags',
      'PUT /api/v2/tickets/7001/tags',
    ]);
    expect(reqs[3]?.body).toEqual({ tags: ['qc_fail', 'qc_escalated'] });
    expect(h.desk.tagsOf('zendesk', '7001')).toEqual(['qc_pass']);
    expect(h.desk.notes('zendesk')).toHaveLength(2);
  });
});

describe('write-back: vendor errors', () => {
  let h: WritebackHarness;
  beforeAll(async () => {
    h = await startWritebackHarness();
  });
  afterAll(() => h.close());

  it('429 with Retry-After: waits what the vendor said, then posts once', async () => {
    h.desk.fail({
      vendor: 'jira',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { errorMessages: ['Rate limit exceeded'] },
    });
    const id = await storeVersion(h, 'jira', 'RL-1');
    await grade(h, id, verdictOf(h, 'fail', 50));
    await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'jira' });
    // The retry first looks for the note (the 429 said it was not written), then posts it.
    expect(reqs.map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 429',
      'GET 200',
      'POST 201',
      'PUT 204',
    ]);
    expect(reqs[1]?.path).toBe('/rest/servicedeskapi/request/RL-1/comment');
    expect(reqs[1]?.query).toEqual({ public: 'false', internal: 'true', limit: '100' });
    const waited = (reqs[1]?.at ?? 0) - (reqs[0]?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(h.desk.notes('jira')).toHaveLength(1);
  });

  it('5xx: backs off and retries; a step already done is not repeated', async () => {
    // The note goes through, then the tags call fails twice.
    h.desk.fail({ vendor: 'zendesk', pathIncludes: '/tags', status: 502, times: 2 });
    const id = await storeVersion(h, 'zendesk', '8801');
    await grade(h, id, verdictOf(h, 'fail', 50));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'zendesk' });
    expect(reqs.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/api/v2/tickets/8801.json 200',
      '/api/v2/tickets/8801/tags 502',
      '/api/v2/tickets/8801/tags 502',
      '/api/v2/tickets/8801/tags 200',
    ]);
    expect(row.stepsDone).toEqual(['note', 'tags']);
    expect(h.desk.notes('zendesk').filter((n) => n.ticket === '8801')).toHaveLength(1);
  });

  it('a lost answer (the note was written, the client saw a 504): the retry finds it and does not post again', async () => {
    h.desk.fail({
      vendor: 'zendesk',
      method: 'PUT',
      pathIncludes: '.json',
      status: 504,
      afterHandling: true,
    });
    const id = await storeVersion(h, 'zendesk', '8802');
    await grade(h, id, verdictOf(h, 'fail', 50));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk.requests({ vendor: 'zendesk' }).filter((r) => r.path.includes('/8802'));
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'PUT /api/v2/tickets/8802.json 504',
      'GET /api/v2/tickets/8802/comments.json 200',
      'PUT /api/v2/tickets/8802/tags 200',
    ]);
    expect(reqs[1]?.query).toEqual({ sort_order: 'desc' });
    expect(h.desk.notes('zendesk').filter((n) => n.ticket === '8802')).toHaveLength(1);
    expect(row.stepsDone).toEqual(['note', 'tags']);
  });

  it('the same for a ServiceNow work note, found in sys_journal_field', async () => {
    const sysId = 'aa385017c611228701d22104cc95c3ff';
    h.desk.fail({ vendor: 'servicenow', method: 'PATCH', status: 502, afterHandling: true });
    const id = await storeVersion(h, 'servicenow', sysId);
    await grade(h, id, verdictOf(h, 'fail', 50));
    const row = await settled(h, id, 'delivered');
    const reqs = h.desk
      .requests({ vendor: 'servicenow' })
      .filter(
        (r) =>
          r.rawBody.includes(sysId) ||
          r.path.includes(sysId) ||
          (r.query.sysparm_query ?? '').includes(sysId),
      );
    expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH /api/now/table/incident/${sysId} 502`,
      'GET /api/now/table/sys_journal_field 200',
    ]);
    expect(reqs[1]?.query.sysparm_query).toBe(
      `element_id=${sysId}^element=work_notes^valueLIKE[ticket-qc:note=${row.id}]`,
    );
    expect(h.desk.notes('servicenow').filter((n) => n.ticket === sysId)).toHaveLength(1);
  });

  it('4xx: no retry; the row is on the failed list with the vendor answer', async () => {
    h.desk.fail({
      vendor: 'freshdesk',
      status: 404,
      body: {
        description: 'Validation failed',
        errors: [{ field: 'ticket_id', code: 'invalid_value' }],
      },
    });
    const id = await storeVersion(h, 'freshdesk', '999');
    await grade(h, id, verdictOf(h, 'fail', 50));
    const row = await settled(h, id, 'failed');
    expect(row.vendorStatus).toBe(404);
    expect(row.vendorAnswer).toContain('invalid_value');
    expect(h.desk.requests({ vendor: 'freshdesk' })).toHaveLength(1);
    expect((await outboxOf(h, id))?.status).toBe('failed');
  });
});
