import { afterEach, describe, expect, it } from 'vitest';
import { type FakeHelpdesk, startFakeHelpdesk } from '../src/index.js';

describe('fake help desk', () => {
  let desk: FakeHelpdesk | undefined;
  afterEach(async () => {
    await desk?.close();
    desk = undefined;
  });

  const put = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('records a Zendesk internal comment and answers with the audit', async () => {
    desk = await startFakeHelpdesk();
    const res = await put(`${desk.baseUrl('zendesk')}/api/v2/tickets/5158.json`, {
      ticket: { comment: { body: 'hello', public: false } },
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { audit: { events: { type: string }[] } };
    expect(json.audit.events[0]?.type).toBe('Comment');
    expect(desk.requests()).toMatchObject([
      { vendor: 'zendesk', method: 'PUT', path: '/api/v2/tickets/5158.json', status: 200 },
    ]);
    expect(desk.notes()).toMatchObject([{ ticket: '5158', body: 'hello', public: false }]);
  });

  it('marks a comment without public:false as customer-visible', async () => {
    desk = await startFakeHelpdesk();
    await put(`${desk.baseUrl('zendesk')}/api/v2/tickets/1.json`, {
      ticket: { comment: { body: 'x' } },
    });
    expect(desk.notes()[0]?.public).toBe(true);
  });

  it('answers canned faults in order, then normally', async () => {
    desk = await startFakeHelpdesk();
    desk.fail({ vendor: 'jira', status: 429, headers: { 'retry-after': '2' }, times: 2 });
    const url = `${desk.baseUrl('jira')}/rest/api/3/issue/SD-1`;
    const body = { update: { labels: [{ add: 'qc_pass' }] } };
    const a = await put(url, body);
    const b = await put(url, body);
    const c = await put(url, body);
    expect([a.status, b.status, c.status]).toEqual([429, 429, 204]);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(desk.tagsOf('jira', 'SD-1')).toEqual(['qc_pass']);
  });

  it('refuses wrong credentials with 401 when credentials are configured', async () => {
    desk = await startFakeHelpdesk({ authorization: { freshdesk: 'Basic abc' } });
    const url = `${desk.baseUrl('freshdesk')}/api/v2/tickets/4/notes`;
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic nope' },
      body: JSON.stringify({ body: 'n', private: true }),
    });
    expect(bad.status).toBe(401);
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic abc' },
      body: JSON.stringify({ body: 'n', private: true }),
    });
    expect(ok.status).toBe(201);
  });

  it('waits for requests on the event, not on a timer', async () => {
    desk = await startFakeHelpdesk();
    const waiting = desk.waitForRequests(1, { vendor: 'servicenow' });
    await fetch(
      `${desk.baseUrl('servicenow')}/api/now/table/incident/ef43c6d40a0a0b5700c77f9bf387afe3`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ work_notes: 'note' }),
      },
    );
    const [r] = await waiting;
    expect(r?.body).toEqual({ work_notes: 'note' });
    expect(desk.notes('servicenow')).toMatchObject([{ public: false, field: 'work_notes' }]);
  });
});
