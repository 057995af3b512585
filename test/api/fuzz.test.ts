import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixture,
  type Harness,
  SOURCES,
  type Source,
  signedHeaders,
  startHarness,
} from './helpers.js';

/**
 * 2,000 fuzzed bodies across all sources, correctly signed so they reach the
 * parsers: every answer is a 4xx (never 2xx, never 5xx), nothing is stored
 * or queued. The same bodies unsigned: 401.
 */

const RUNS_PER_SOURCE = 400;

const BASE: Record<Source, string> = {
  zendesk: 'zendesk/status-changed.json',
  jira: 'jira/issue-resolved.json',
  freshdesk: 'freshdesk/simple-resolved.json',
  servicenow: 'servicenow/incident-resolved.json',
  generic: 'generic/ticket.json',
};

// Values no required field accepts, whatever its type.
const notAValue = fc.constantFrom<unknown>(null, {}, [], true, -1, 1.5, '', [1, 2]);
// For fields a vendor may leave out or null (issue 14: filled, not refused): wrong types only.
const wrongType = fc.constantFrom<unknown>({}, [], true, -1, 1.5, [1, 2]);
// Strings that are never a status, a timestamp or a known event type.
const garbage = fc.string({ maxLength: 30 }).map((s) => `~${s}`);

/** Fields of each vendor fixture, what breaks them, and whether leaving them out breaks them too. */
const REQUIRED: Record<
  Source,
  [path: string[], breaker: fc.Arbitrary<unknown>, removable?: false][]
> = {
  zendesk: [
    [['type'], fc.oneof(notAValue, garbage)],
    [['id'], fc.constantFrom<unknown>(null, {}, [], true, 5, '')],
    [['detail'], fc.oneof(notAValue, garbage)],
    [['detail', 'id'], notAValue],
    [['detail', 'status'], fc.oneof(wrongType, garbage, fc.constant('')), false],
    [['detail', 'created_at'], fc.oneof(wrongType, garbage, fc.constant('')), false],
    [['detail', 'updated_at'], fc.oneof(wrongType, garbage, fc.constant('')), false],
    [['detail', 'tags'], fc.constantFrom<unknown>('vpn', {}, [1], 7), false],
  ],
  jira: [
    [['issue'], fc.oneof(notAValue, garbage)],
    [['issue', 'id'], notAValue],
    [['issue', 'fields'], fc.oneof(notAValue, garbage)],
    [['issue', 'fields', 'status'], fc.oneof(notAValue, garbage)],
    [['issue', 'fields', 'created'], fc.oneof(notAValue, garbage)],
    [['issue', 'fields', 'updated'], fc.oneof(notAValue, garbage)],
    [
      ['issue', 'fields', 'comment', 'comments'],
      fc.oneof(garbage, fc.constantFrom<unknown>([{}], [null], {})),
    ],
  ],
  freshdesk: [
    [['freshdesk_webhook'], fc.oneof(notAValue, garbage)],
    [['freshdesk_webhook', 'ticket_id'], notAValue],
    // Unknown labels and codes are stored as pending, flagged; only wrong types are refused.
    [
      ['freshdesk_webhook', 'ticket_status'],
      fc.constantFrom<unknown>({}, [], true, 1.5, '', [1, 2]),
      false,
    ],
    [['freshdesk_webhook', 'ticket_updated_at'], wrongType, false],
  ],
  servicenow: [
    [['sys_id'], notAValue],
    [
      ['state'],
      fc.oneof(garbage, fc.constantFrom<unknown>('4', '5', '99', [], true, -1, 1.5)),
      false,
    ],
    [['sys_updated_on'], fc.oneof(garbage, fc.constantFrom<unknown>([], true, -1, 1.5)), false],
  ],
  generic: [
    [['externalId'], notAValue],
    [['subject'], fc.constantFrom<unknown>(null, {}, [], true, 5)],
    [['status'], fc.oneof(notAValue, garbage)],
    [['createdAt'], fc.oneof(notAValue, garbage)],
    [['updatedAt'], fc.oneof(notAValue, garbage)],
    [['comments'], fc.oneof(garbage, fc.constantFrom<unknown>([{}], [null], {}, 3)), false],
    [['source'], fc.oneof(notAValue, garbage), false],
  ],
};

function setPath(obj: unknown, path: string[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path.at(-1) as string;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

function bodies(source: Source): fc.Arbitrary<Buffer> {
  const base = JSON.parse(fixture(BASE[source]));
  const mutated = fc
    .constantFrom(...REQUIRED[source])
    .chain(([path, breaker, removable]) =>
      fc
        .tuple(removable === false ? fc.constant(false) : fc.boolean(), breaker)
        .map(([remove, value]) => JSON.stringify(setPath(base, path, value, remove))),
    );
  const asText = fc.oneof(
    { weight: 4, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', 'null', '[]', '{}', '"x"', '0', 'true', '{"a":', '\ufeff{}'),
    },
  );
  return fc.oneof(
    { weight: 9, arbitrary: asText.map((s) => Buffer.from(s, 'utf8')) },
    // Raw bytes, not necessarily UTF-8.
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  );
}

describe('fuzzed webhook bodies', () => {
  let h: Harness;
  const statuses = new Map<number, number>();
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  for (const source of SOURCES) {
    it(`${source}: ${RUNS_PER_SOURCE} signed bodies → 4xx only; unsigned → 401`, async () => {
      await fc.assert(
        fc.asyncProperty(bodies(source), async (payload) => {
          const signed = await h.app.inject({
            method: 'POST',
            url: `/webhooks/${source}`,
            payload,
            headers: signedHeaders(source, payload),
          });
          statuses.set(signed.statusCode, (statuses.get(signed.statusCode) ?? 0) + 1);
          expect(
            signed.statusCode,
            `${signed.body}\nfor ${payload.toString('utf8').slice(0, 500)}`,
          ).toBeGreaterThanOrEqual(400);
          expect(signed.statusCode).toBeLessThan(500);
          expect(signed.statusCode).not.toBe(401);
          expect(signed.json().error.code).toBeTypeOf('string');
          const unsigned = await h.app.inject({
            method: 'POST',
            url: `/webhooks/${source}`,
            payload,
            headers: { 'content-type': 'application/json' },
          });
          expect(unsigned.statusCode).toBe(401);
        }),
        { numRuns: RUNS_PER_SOURCE, seed: Number(process.env.FUZZ_SEED ?? 20261005) },
      );
    });
  }

  it('stored nothing and queued nothing', async () => {
    const tickets = await h.db.pool.query('SELECT count(*)::int AS n FROM tickets');
    const deliveries = await h.db.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries');
    expect(tickets.rows[0].n).toBe(0);
    expect(deliveries.rows[0].n).toBe(0);
    const counts = await h.queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(
      RUNS_PER_SOURCE * SOURCES.length,
    );
    expect([...statuses.keys()].every((s) => s === 400)).toBe(true);
  });
});
