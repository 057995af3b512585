import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastTicket, type KeyOrder } from '../../src/ticket/fast-parse.js';
import { canonicalJson } from '../../src/ticket/hash.js';
import { Ticket } from '../../src/ticket/schema.js';

/**
 * The hand-written ticket parser shared by the webhook path (keys in code-unit
 * order) and the import (keys in jsonb's order) must agree with the zod schema
 * it stands in for, in either order: the same tickets accepted and refused,
 * the same output when accepted (defaults filled, unknown keys dropped, an
 * optional key absent or undefined as zod leaves it), its keys in the order
 * asked for, and its `suspect` flag set exactly when some string or record key
 * holds a NUL or an unpaired surrogate. Inputs are generated near every rule's
 * edge: each field valid most of the time, otherwise missing, null, of the
 * wrong type, one over its limit, or oddly shaped.
 */

const ORDERS: KeyOrder[] = ['codeUnits', 'jsonb'];

/** jsonb's key order: shorter first, then code units (the schema's keys are ASCII). */
const jsonbOrder = (keys: string[]) =>
  [...keys].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));

/** Every object's keys in jsonb's order (integer-like record keys aside: JS puts them first). */
function inJsonbOrder(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(inJsonbOrder);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
    return (
      JSON.stringify(keys) === JSON.stringify(jsonbOrder(keys)) &&
      Object.values(v).every(inJsonbOrder)
    );
  }
  return true;
}

const pad = (n: number, len = 2) => String(n).padStart(len, '0');

/** Each value generated for a field is its valid kind `W` times in `W + 4`; fields differ in their invalid kinds. */
let W = 12;
const ABSENT = Symbol('absent');
const junk = fc.constantFrom<unknown>(null, 0, 1.5, true, '', [], {}, 'x', -1, Number.NaN);
function pick(good: fc.Arbitrary<unknown>, bad?: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: W, arbitrary: good },
    { weight: 1, arbitrary: bad ?? junk },
    { weight: 1, arbitrary: fc.constant(ABSENT) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: junk },
  );
}

const goodTime = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2024-02-29T00:00:00Z',
    '2026-10-05T09:00:00.123456+02:00',
    '2026-10-05T23:59:59-05:30',
  ),
);
const badTime = fc.oneof(
  fc
    .record({
      y: fc.integer({ min: 1960, max: 2400 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 24 }),
      mi: fc.integer({ min: 0, max: 60 }),
      s: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 5 }),
      frac: fc.option(fc.integer({ min: 0, max: 99_999 })),
      sep: fc.constantFrom('T', 'T', 'T', ' ', 't'),
      offset: fc.constantFrom('Z', '+02:00', '-05:30', '+23:59', '+24:00', 'z', '', '+0200'),
    })
    .map(
      ({ y, mo, d, h, mi, s, frac, sep, offset }) =>
        `${pad(y, 4)}-${pad(mo)}-${pad(d)}${sep}${pad(h)}:${pad(mi)}${s === null ? '' : `:${pad(s)}`}${frac === null || s === null ? '' : `.${frac}`}${offset}`,
    ),
  fc.constantFrom(
    '2023-02-29T00:00:00Z',
    '2026-10-05T09:00Z',
    '2026-10-05',
    ' 2026-10-05T09:00:00Z',
  ),
);
const time = () => pick(goodTime, badTime);

/** Strings of awkward characters (zod accepts NULs and lone surrogates; storing them is checked later). */
const CHARS = ['a', 'Z', '0', '-', '_', ' ', '\\', '"', 'é', '\u0000', '\ud800', '\udc00', '😀'];
const CLEAN = CHARS.slice(0, 9);
// Mostly clean, so that a ticket often holds one odd string, not one of each kind.
const shortText = fc
  .oneof(
    { weight: 30, arbitrary: fc.array(fc.constantFrom(...CLEAN), { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }) },
  )
  .map((a) => a.join(''));
const goodText = (max: number, min = 0) =>
  fc.oneof(
    { weight: 4, arbitrary: shortText.filter((t) => t.length >= min) },
    { weight: 1, arbitrary: fc.constantFrom(min, max - 1, max).map((n) => 'x'.repeat(n)) },
  );
const text = (max: number, min = 0) => pick(goodText(max, min), fc.constant('x'.repeat(max + 1)));
const oneOf = (good: readonly string[], bad: string) =>
  pick(fc.constantFrom(...good), fc.constant(bad));
const list = (item: fc.Arbitrary<unknown>, max: number) =>
  pick(fc.array(item, { maxLength: 3 }), fc.constant(new Array(max + 1).fill('x')));

function record(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.record(fields), fc.option(fc.constantFrom('extra', 'unknownKey'), { freq: 4 }))
    .map(([r, extra]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (v !== ABSENT) out[k] = v;
      if (extra) out[extra] = 'dropped';
      return out;
    });
}

/** Tickets whose fields are each valid `weight` times in `weight + 4`. */
function tickets(weight: number): fc.Arbitrary<unknown> {
  W = weight;
  const person = () => pick(record({ name: text(200), email: text(320), id: text(200) }));
  const comment = () =>
    pick(
      record({
        author: text(200),
        authorId: text(200),
        role: oneOf(['customer', 'agent', 'system'], 'bot'),
        public: pick(fc.boolean()),
        body: text(100_000),
        at: time(),
      }),
    );
  const timeEntry = () =>
    pick(
      record({
        minutes: pick(
          fc.integer({ min: 0, max: 100_000 }),
          fc.constantFrom(-1, 100_001, 0.5, 2 ** 60, Number.POSITIVE_INFINITY),
        ),
        note: text(10_000),
        author: text(200),
        at: time(),
      }),
    );
  const value = fc.oneof(shortText, fc.double(), fc.boolean(), fc.constant(null));
  return record({
    source: pick(
      fc.constantFrom('generic', 'zendesk', 'a_b-1', 'x'.repeat(64)),
      fc.constantFrom('Bad', 'a b', '', 'é', 'x'.repeat(65)),
    ),
    externalId: text(200, 1),
    subject: text(1_000),
    description: text(100_000),
    status: oneOf(['new', 'open', 'pending', 'on_hold', 'solved', 'closed', 'cancelled'], 'done'),
    priority: oneOf(['low', 'normal', 'high', 'urgent'], 'critical'),
    category: text(200),
    requester: person(),
    assignee: person(),
    organization: text(200),
    organizationId: text(200),
    createdAt: time(),
    updatedAt: time(),
    closedAt: time(),
    comments: list(comment(), 2_000),
    timeEntries: list(timeEntry(), 2_000),
    tags: list(text(200), 500),
    customFields: pick(
      fc.dictionary(shortText, value, { maxKeys: 3 }),
      fc.constantFrom({ a: [] }, { a: {} }, { a: Number.NaN }),
    ),
    triage: pick(
      record({
        by: text(200),
        kind: oneOf(['agent', 'person'], 'robot'),
        notes: text(20_000),
        at: time(),
      }),
    ),
    threadIncomplete: pick(fc.boolean()),
    filled: pick(
      fc.dictionary(goodText(64), goodText(200), { maxKeys: 2 }),
      fc.constantFrom({ ['k'.repeat(65)]: 'v' }, { k: 'v'.repeat(201) }, { k: 1 }),
    ),
  });
}

// Mostly valid (a bad field here and there) and noisy (several bad fields), half and half.
const ticket = fc.oneof(tickets(600), tickets(10));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any string or key in the value holds what PostgreSQL refuses. */
function unstorable(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000') || LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.some(unstorable);
  if (v && typeof v === 'object')
    return Object.entries(v).some(([k, x]) => unstorable(k) || unstorable(x));
  return false;
}

describe('fastTicket', () => {
  it('accepts and refuses what the zod schema does, with the same output, in either key order', () => {
    let accepted = 0;
    fc.assert(
      fc.property(ticket, (input) => {
        const slow = Ticket.safeParse(input);
        for (const order of ORDERS) {
          const fast = fastTicket(input, order);
          expect(
            fast !== undefined,
            `${order}: ${JSON.stringify(slow.error?.issues ?? null)}`,
          ).toBe(slow.success);
          if (fast && slow.success) {
            if (order === 'codeUnits') accepted++;
            expect(fast.ticket).toStrictEqual(slow.data);
            expect(canonicalJson(fast.ticket)).toBe(canonicalJson(slow.data));
            expect(fast.suspect).toBe(unstorable(slow.data));
            if (order === 'codeUnits')
              // The webhook's order is canonicalJson's: the ticket is its own canonical form.
              expect(JSON.stringify(fast.ticket)).toBe(canonicalJson(fast.ticket));
            else expect(inJsonbOrder(fast.ticket)).toBe(true);
          }
        }
      }),
      { numRuns: 3_000, seed: 13 },
    );
    // The generator must reach the accepting side often enough to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves unusual objects to zod rather than guessing', () => {
    const base = {
      source: 'generic',
      externalId: 'T-1',
      subject: 's',
      status: 'open',
      createdAt: '2026-10-05T09:00:00Z',
      updatedAt: '2026-10-05T09:00:00Z',
    };
    for (const order of ORDERS) {
      expect(fastTicket(base, order)?.ticket).toStrictEqual(Ticket.parse(base));
      expect(fastTicket(JSON.parse('{"customFields":{"__proto__":"x"}}'), order)).toBeUndefined();
      const withProto = { ...base, customFields: JSON.parse('{"__proto__":"x","a":1}') };
      expect(fastTicket(withProto, order)).toBeUndefined();
      expect(Ticket.safeParse(withProto).success).toBe(true);
      expect(fastTicket(new (class {})(), order)).toBeUndefined();
      const withSymbol = { ...base, customFields: { a: 1, [Symbol('s')]: 2 } };
      expect(fastTicket(withSymbol, order)).toBeUndefined();
      // An object without a prototype is read like a plain one, as zod reads it.
      const bare = Object.assign(Object.create(null) as object, base);
      expect(fastTicket(bare, order)?.ticket).toStrictEqual(Ticket.parse(bare));
    }
  });
});
