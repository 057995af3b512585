import { describe, expect, it } from 'vitest';
import { fastGold } from '../../src/import/gold.js';
import { Gold, parseRow } from '../../src/import/jsonl.js';
import { type FastTicket, fastTicket as fastTicketIn } from '../../src/ticket/fast-parse.js';
import { Ticket } from '../../src/ticket/schema.js';
import { exampleRows } from './fixtures.js';

/**
 * The import checks the common row by hand (the ticket parser it shares with
 * the webhook, src/ticket/fast-parse.ts, in jsonb's key order, and `fastGold`
 * of src/import/gold.ts) and leaves everything else to zod. Whatever the hand
 * check accepts, zod must accept with the same value; whatever zod refuses,
 * the hand check must not accept; and a row read with the hand check is the
 * row read without it, reason for refusing included. Checked on every example
 * and on thousands of mutations at every field: wrong types, nulls, missing
 * values, bad enums and dates, and strings on both sides of every length limit.
 */

type Json = Record<string, unknown>;

const clone = <T>(v: T): T => structuredClone(v);

/** The import's call: keys in jsonb's order. */
const fastTicket = (raw: unknown) => fastTicketIn(raw, 'jsonb')?.ticket;

/** The same decision and the same value as zod, in both key orders. */
function agrees(fast: unknown, zod: { success: boolean; data?: unknown }, what: string): void {
  if (fast === undefined) return;
  expect(zod.success, `${what}: accepted by hand, refused by zod`).toBe(true);
  expect(fast, what).toStrictEqual(zod.data);
}

/** The ticket in both orders agrees with zod; the import's (jsonb) one is returned. */
function checkTicket(raw: unknown, what: string): FastTicket['ticket'] | undefined {
  const zod = Ticket.safeParse(raw);
  agrees(fastTicketIn(raw, 'codeUnits')?.ticket, zod, `${what} (code units)`);
  const t = fastTicket(raw);
  agrees(t, zod, what);
  return t;
}

/** `parseRow` with the hand check gives the row it gives without: values, refusals and reasons. */
function sameRow(value: unknown, what: string): void {
  const hand = parseRow(7, value, { handChecked: true });
  const zod = parseRow(7, value);
  if (hand.ok && zod.ok) {
    expect(hand.ticket, what).toStrictEqual(zod.ticket);
    expect(hand.gold, what).toStrictEqual(zod.gold);
  } else expect(hand, what).toStrictEqual(zod);
}

const LENGTHS = [0, 1, 64, 65, 200, 201, 320, 321, 1_000, 1_001, 10_000, 10_001, 20_000, 20_001];
const VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  100_000,
  100_001,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  [],
  {},
  ['x'],
  'open',
  'normal',
  'urgent',
  'agent',
  'person',
  'customer',
  'met',
  'pass',
  'Open',
  'UPPER',
  'has space',
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00.123+02:00',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00',
  '2026-01-01',
  ...LENGTHS.map((n) => 'a'.repeat(n)),
  'x'.repeat(100_001),
];

function base(raw: Json): Json {
  return {
    ...clone(raw),
    triage: { by: 'triage', kind: 'person', notes: 'n', at: '2026-01-01T00:00:00Z' },
    timeEntries: [{ minutes: 5, note: 'x', author: 'a', at: '2026-01-01T00:00:00Z' }],
    filled: { subject: 'not sent' },
    customFields: { a: 1, b: 'x', c: null, d: false },
    requester: { name: 'N', email: 'e@x', id: 'r' },
    assignee: { name: 'A' },
    organizationId: 'o1',
    threadIncomplete: true,
  };
}

/** Paths to mutate: every field of the ticket and of its nested objects. */
function paths(t: Json): string[][] {
  const out: string[][] = [];
  for (const k of Object.keys(Ticket.shape)) out.push([k]);
  const nested: [string, Json | undefined][] = [
    ['comments', (t.comments as Json[] | undefined)?.[0]],
    ['timeEntries', (t.timeEntries as Json[] | undefined)?.[0]],
  ];
  for (const [k, v] of nested) for (const f of Object.keys(v ?? {})) out.push([k, '0', f]);
  for (const k of ['requester', 'assignee', 'triage', 'customFields', 'filled'])
    for (const f of Object.keys((t[k] as Json) ?? {}).concat('extra')) out.push([k, f]);
  out.push(['comments', '0', 'extra'], ['tags', '0'], ['comments', '0'], ['extra']);
  return out;
}

function set(t: Json, path: string[], value: unknown): Json {
  const copy = clone(t);
  let at: Json = copy;
  for (const p of path.slice(0, -1)) {
    const next = at[p];
    if (!next || typeof next !== 'object') return copy;
    at = next as Json;
  }
  const last = path.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

describe('the hand check of the common row', () => {
  it('accepts every example, with the value zod returns', () => {
    for (const row of exampleRows()) {
      const t = checkTicket(row.ticket, row.ticket.externalId);
      expect(t).toBeDefined();
      sameRow(row, row.ticket.externalId);
      if (row.gold !== undefined) {
        const g = fastGold(row.gold);
        expect(g).toBeDefined();
        agrees(g, Gold.safeParse(row.gold), `${row.ticket.externalId} gold`);
      }
    }
  });

  it('never accepts what zod refuses, nor returns another value, under mutations of every field', () => {
    const rows = exampleRows().slice(0, 3);
    let accepted = 0;
    let refused = 0;
    for (const row of rows) {
      const t = base(row.ticket);
      for (const path of paths(t)) {
        for (const value of VALUES) {
          const raw = set(t, path, value);
          const what = `${path.join('.')} = ${String(value).slice(0, 20)}`;
          const fast = checkTicket(raw, what);
          sameRow({ ticket: raw, gold: row.gold }, what);
          if (fast) accepted++;
          else refused++;
        }
      }
      const gold = (row.gold ?? {}) as Json;
      for (const path of [
        ['outcome'],
        ['criteria'],
        ['criteria', 'c1'],
        ['escalations'],
        ['escalations', '0'],
        ['attributions'],
        ['attributions', '0'],
        ['patterns'],
        ['notes'],
        ['extra'],
      ]) {
        for (const value of VALUES) {
          const raw = set(gold, path, value);
          agrees(fastGold(raw), Gold.safeParse(raw), `gold.${path.join('.')}`);
          sameRow({ ticket: t, gold: raw }, `gold.${path.join('.')}`);
        }
      }
    }
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1_000);
  });

  it('builds objects with keys in jsonb order', () => {
    const row = exampleRows()[0] as { ticket: Json; gold?: unknown };
    const jsonbOrder = (keys: string[]) =>
      [...keys].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    const check = (v: unknown): void => {
      if (Array.isArray(v)) {
        for (const x of v) check(x);
      } else if (v && typeof v === 'object') {
        const keys = Object.keys(JSON.parse(JSON.stringify(v)) as object);
        expect(keys).toEqual(jsonbOrder(keys));
        for (const x of Object.values(v)) check(x);
      }
    };
    check(fastTicket(base(row.ticket)));
    check(fastGold(row.gold));
  });
});
