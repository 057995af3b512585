import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliver,
  fixture,
  type Harness,
  signedHeaders,
  startHarness,
  ticketRows,
} from './helpers.js';

/**
 * Issue 10, defects 6 and 10: input that would silently corrupt what is
 * stored is refused with a clear 400 and nothing is written.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function genericTicket(externalId: string, updatedAt: Date, subject = 'Teams calls drop'): string {
  const t = JSON.parse(fixture('generic/ticket.json')) as Record<string, unknown>;
  return JSON.stringify({
    ...t,
    externalId,
    subject,
    createdAt: new Date(updatedAt.getTime() - 86_400_000).toISOString(),
    updatedAt: updatedAt.toISOString(),
    closedAt: updatedAt.toISOString(),
  });
}

describe('a far-future updatedAt (defect 6)', () => {
  it('is refused with 400 on updatedAt, and later genuine updates are graded', async () => {
    const future = new Date(Date.now() + 30 * 86_400_000);
    const res = await deliver(h, 'generic', genericTicket('SKEW-1', future));
    expect(res.statusCode).toBe(400);
    const body = res.json() as {
      error: { code: string; issues: { path: string; message: string }[] };
    };
    expect(body.error.code).toBe('invalid_body');
    expect(body.error.issues[0]?.path).toBe('updatedAt');
    expect(body.error.issues[0]?.message).toMatch(/in the future.*QC_MAX_CLOCK_SKEW/);
    expect((await ticketRows(h, 'generic')).filter((r) => r.external_id === 'SKEW-1')).toEqual([]);

    // The genuine update that follows is the latest and is scheduled, not superseded.
    const ok = await deliver(h, 'generic', genericTicket('SKEW-1', new Date(), 'genuine'));
    expect(ok.statusCode, ok.body).toBe(202);
    expect((ok.json() as { grading: string }).grading).toBe('scheduled');
  });

  it('allows a clock a little ahead (within QC_MAX_CLOCK_SKEW)', async () => {
    const ahead = new Date(Date.now() + 60_000);
    const res = await deliver(h, 'generic', genericTicket('SKEW-2', ahead));
    expect(res.statusCode, res.body).toBe(202);
  });
});

describe('invalid UTF-8 in a webhook body (defect 10)', () => {
  it('is refused with 400 invalid_utf8 and nothing is stored', async () => {
    const text = genericTicket('UTF8-1', new Date(), 'caf\u00e9 MARKER');
    // Latin-1 "é" (0xE9) where UTF-8 needs two bytes: what a mis-set help desk sends.
    const raw = Buffer.from(text.replace('caf\u00e9', 'cafXX'), 'utf8');
    const at = raw.indexOf('XX');
    raw[at] = 0xe9;
    const body = Buffer.concat([raw.subarray(0, at + 1), raw.subarray(at + 2)]);
    const res = await h.app.inject({
      method: 'POST',
      url: '/webhooks/generic',
      payload: body,
      headers: signedHeaders('generic', body),
    });
    expect(res.statusCode, res.body).toBe(400);
    const err = (res.json() as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('invalid_utf8');
    expect(err.message).toContain(`offset ${at}`);
    expect((await ticketRows(h, 'generic')).filter((r) => r.external_id === 'UTF8-1')).toEqual([]);
  });

  it('still accepts valid multi-byte UTF-8 and a BOM', async () => {
    const text = `\ufeff${genericTicket('UTF8-2', new Date(), 'caf\u00e9 \u{1F600} \u4e2d')}`;
    const res = await deliver(h, 'generic', text);
    expect(res.statusCode, res.body).toBe(202);
    const row = (await ticketRows(h, 'generic')).find((r) => r.external_id === 'UTF8-2');
    expect((row?.ticket as { subject?: string } | undefined)?.subject).toBe(
      'caf\u00e9 \u{1F600} \u4e2d',
    );
  });
});
