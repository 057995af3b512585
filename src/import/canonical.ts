import { hash } from 'node:crypto';
import type { z } from 'zod';
import { normalizeTicket } from '../ticket/hash.js';
import { Ticket } from '../ticket/schema.js';
import { Gold } from './gold.js';

/**
 * The import's two serializations of a validated ticket, each one pass over
 * objects whose key order is planned once from the zod schema instead of
 * sorted per object (what `canonicalJson` does for any value):
 *
 * - the content hash: byte for byte `contentHash` of src/ticket/hash.ts
 *   (keys in code-unit order at every depth, over the normalized ticket), so
 *   versions imported here and ingested elsewhere keep matching;
 * - the stored JSON: keys in jsonb's own order (shorter first, then
 *   bytewise), which jsonb keeps none of but sorts every object into while
 *   parsing — input already in that order makes the sort a linear check.
 *
 * Values must come from the schema's own parse (zod drops unknown keys), as
 * every row the import stores does.
 */

type Order = (a: string, b: string) => number;

/** `Array.prototype.sort`'s default order: UTF-16 code units. */
const codeUnits: Order = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/** jsonb's key order: length, then bytes (code units agree for the ASCII keys of the schema). */
const jsonbKeys: Order = (a, b) => a.length - b.length || codeUnits(a, b);

/** How to rebuild a value of one schema node with its keys in order. */
type Plan =
  | { kind: 'object'; keys: readonly string[]; nested: ReadonlyMap<string, Plan> }
  | { kind: 'array'; element: Plan }
  | { kind: 'record'; value: Plan }
  | { kind: 'leaf' };

const LEAF: Plan = { kind: 'leaf' };

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  element?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
}

function planOf(def: SchemaDef, order: Order): Plan {
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
      return def.innerType ? planOf(def.innerType._zod.def, order) : LEAF;
    case 'object': {
      const shape = def.shape ?? {};
      const keys = Object.keys(shape).sort(order);
      const nested = new Map<string, Plan>();
      for (const k of keys) {
        const p = planOf((shape[k] as { _zod: { def: SchemaDef } })._zod.def, order);
        if (p.kind !== 'leaf') nested.set(k, p);
      }
      return { kind: 'object', keys, nested };
    }
    case 'array':
      return def.element ? { kind: 'array', element: planOf(def.element._zod.def, order) } : LEAF;
    case 'record':
      return {
        kind: 'record',
        value: def.valueType ? planOf(def.valueType._zod.def, order) : LEAF,
      };
    default:
      return LEAF;
  }
}

function rebuild(value: unknown, plan: Plan, order: Order): unknown {
  if (value === null || typeof value !== 'object') return value;
  switch (plan.kind) {
    case 'leaf':
      return value;
    case 'array':
      return (value as unknown[]).map((v) => rebuild(v, plan.element, order));
    case 'record': {
      const v = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort(order)) {
        const x = v[k];
        if (x !== undefined) out[k] = rebuild(x, plan.value, order);
      }
      return out;
    }
    case 'object': {
      const v = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of plan.keys) {
        const x = v[k];
        if (x === undefined) continue;
        const sub = plan.nested.get(k);
        out[k] = sub ? rebuild(x, sub, order) : x;
      }
      return out;
    }
  }
}

function serializer<S extends z.ZodType>(schema: S, order: Order): (value: z.output<S>) => string {
  const plan = planOf((schema as unknown as { _zod: { def: SchemaDef } })._zod.def, order);
  return (value) => JSON.stringify(rebuild(value, plan, order));
}

const hashText = serializer(Ticket, codeUnits);

/** `contentHash(t)` of src/ticket/hash.ts, computed without sorting every object's keys. */
export function importHash(t: Ticket): string {
  // One-shot hashing (sha256Hex's digest, without a Hash object per row).
  return hash('sha256', hashText(normalizeTicket(t)), 'hex');
}

/** The ticket as JSON with its keys in jsonb's order, for storing. */
export const ticketJson = serializer(Ticket, jsonbKeys);

/** The gold label as JSON with its keys in jsonb's order, for storing. */
export const goldJson = serializer(Gold, jsonbKeys);
