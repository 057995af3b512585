import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownEcho } from '../../src/api/sources/echo.js';
import { deliver, fixture, type Harness, startHarness } from '../api/helpers.js';

/**
 * No loops: the webhook our own note or tag causes comes back, signed like any
 * other, and is answered 202 "ignored" without storing a version. The
 * fixtures are each vendor's echo shape (test/fixtures/webhooks/<vendor>/echo-*),
 * with our integration user as the actor. The same payload with a person as
 * the actor is not taken for an echo.
 */

const BOT = {
  ZENDESK_BOT_USER_ID: '9000000000001',
  JIRA_BOT_ACCOUNT_ID: '5b10ac8d82e05b22cc7d4ef5',
  FRESHDESK_BOT_EMAIL: 'ticket-qc@example.com',
  SERVICENOW_USER: 'svc_ticket_qc',
};

// biome-ignore lint/suspicious/noExplicitAny: vendor fixtures are edited field by field
type Edit = (b: any) => void;
const CASES: [source: string, file: string, asPerson: Edit][] = [
  [
    'zendesk',
    'echo-zendesk-comment_added',
    (b) => {
      b.detail.actor_id = '8447388090494';
      b.event.comment.author.id = '8447388090494';
      b.event.comment.body = 'Called the user, password reset.';
    },
  ],
  [
    'zendesk',
    'echo-zendesk-tags_changed',
    (b) => {
      b.detail.actor_id = '8447388090494';
    },
  ],
  [
    'jira',
    'echo-jira-comment_created',
    (b) => {
      b.comment.author.accountId = '557058:human';
      b.comment.body = 'Called the user.';
    },
  ],
  [
    'jira',
    'echo-jira-issue_updated-labels',
    (b) => {
      b.user.accountId = '557058:human';
    },
  ],
  [
    'freshdesk',
    'echo-freshdesk-note_added',
    (b) => {
      b.freshdesk_webhook.note_commenter_email = 'jane.agent@example.com';
      b.freshdesk_webhook.ticket_latest_private_comment =
        'Jane Agent : <div>Escalating to L2</div>';
    },
  ],
  [
    'servicenow',
    'echo-servicenow-incident_updated',
    (b) => {
      b.record.sys_updated_by = 'tom.field';
    },
  ],
];

describe('echo webhooks of our own write-back', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: BOT });
  });
  afterAll(() => h.close());

  const versions = async () =>
    (await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0]?.n;

  for (const [source, file, asPerson] of CASES) {
    it(`${source}: ${file} is ignored and stores no version`, async () => {
      const before = await versions();
      const res = await deliver(h, source, fixture(`${source}/${file}.json`));
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ status: 'ignored' });
      expect(res.json().reason).toMatch(/^echo of ticket-qc's write-back: /);
      expect(await versions()).toBe(before);
    });

    it(`${source}: the same event made by a person is not an echo`, async () => {
      const body = JSON.parse(fixture(`${source}/${file}.json`));
      asPerson(body);
      const res = await deliver(h, source, JSON.stringify(body));
      expect(res.json().reason ?? '').not.toMatch(/echo/);
    });
  }

  it('a public comment carrying our marker is not an echo (a customer can type anything)', async () => {
    const body = JSON.parse(fixture('zendesk/echo-zendesk-comment_added.json'));
    body.detail.actor_id = '8447388090222';
    body.event.comment.author.id = '8447388090222';
    body.event.comment.is_public = true;
    const res = await deliver(h, 'zendesk', JSON.stringify(body));
    expect(res.json().reason ?? '').not.toMatch(/echo/);
  });
});

describe('echo without the integration user configured', () => {
  it('the marker of a private note still recognises it (Jira escapes it in wiki markup)', () => {
    const jira = JSON.parse(fixture('jira/echo-jira-comment_created.json'));
    jira.comment.body = 'ticket-qc verdict: PASS, score 90/100\n\\[ticket-qc:note=12\\]';
    expect(ownEcho('jira', jira, {})).toMatch(/marker/);
    jira.comment.jsdPublic = true;
    expect(ownEcho('jira', jira, {})).toBeUndefined();
    const zd = JSON.parse(fixture('zendesk/echo-zendesk-comment_added.json'));
    expect(ownEcho('zendesk', zd, {})).toBeUndefined(); // another tool's marker is not ours
    zd.event.comment.body = 'ticket-qc verdict: FAIL\n[ticket-qc:note=7]';
    expect(ownEcho('zendesk', zd, {})).toMatch(/marker/);
  });
});
