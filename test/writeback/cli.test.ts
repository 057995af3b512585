import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import { captureLog } from '../helpers/cli.js';
import {
  grade,
  settled,
  startWritebackHarness,
  storeVersion,
  verdictOf,
  type WritebackHarness,
} from './harness.js';

/** `ticket-qc writeback status|retry|dry-run` against a running write-back. */
describe('ticket-qc writeback', () => {
  let h: WritebackHarness;
  const cli = (...args: string[]) =>
    captureLog(() =>
      buildCli(() => h.config).parseAsync(['node', 'ticket-qc', 'writeback', ...args]),
    );
  beforeAll(async () => {
    h = await startWritebackHarness();
  });
  afterAll(() => h.close());

  it('status shows the vendor answer of a failed note; retry sends it once the help desk accepts', async () => {
    h.desk.fail({
      vendor: 'zendesk',
      status: 403,
      body: { error: 'Forbidden', description: 'You do not have access to this page.' },
    });
    const id = await storeVersion(h, 'zendesk', '6100');
    await grade(h, id, verdictOf(h, 'fail', 40));
    const failed = await settled(h, id, 'failed');

    const status = await cli('status');
    expect(status).toContain('qc:failed 1');
    expect(status).toContain(`#${failed.id} zendesk/6100 qc  403`);
    expect(status).toContain('You do not have access to this page.');
    expect(await cli('status', 'zendesk/6100')).toContain(`#${failed.id} qc failed`);
    const json = JSON.parse(await cli('status', '--json')) as {
      counts: Record<string, number>;
      failed: { id: number }[];
    };
    expect(json.counts['qc:failed']).toBe(1);
    expect(json.failed.map((r) => Number(r.id))).toEqual([Number(failed.id)]);

    expect(await cli('retry', 'zendesk/6100')).toContain('queued 1 note(s) again');
    const row = await settled(h, id, 'delivered');
    expect(row.retries).toBe(1);
    expect(h.desk.notes('zendesk').filter((n) => n.ticket === '6100')).toHaveLength(1);
  });

  it('dry-run prints the requests without sending them', async () => {
    const id = await storeVersion(h, 'jira', 'SD-77');
    await grade(h, id, verdictOf(h, 'pass', 95));
    await settled(h, id, 'delivered');
    const before = h.desk.requests().length;
    const out = await cli('dry-run', 'jira/SD-77');
    expect(out).toContain('ticket-qc verdict: PASS, score 95/100');
    expect(out).toMatch(
      /POST http:\/\/127\.0\.0\.1:\d+\/jira\/rest\/servicedeskapi\/request\/SD-77\/comment/,
    );
    expect(out).toContain('"authorization":"(redacted)"');
    expect(out).toContain('{"update":{"labels":[{"add":"qc_pass"}]}}');
    expect(h.desk.requests().length).toBe(before);
  });
});
