import { isObject, type JsonObject } from './wire.js';

/**
 * The small part of JSON Schema (2020-12 / draft-07) the simulator needs to
 * read tool input schemas in order to *build* values (schema-instance.ts) and
 * to find the grading vocabulary (grading/vocab.ts): local $ref resolution,
 * allOf merging and type lists. Validation is ajv's (schema-validate.ts).
 */

export type Schema = JsonObject;

const MAX_REF_HOPS = 32;

function pointer(root: Schema, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Follows $ref chains (local only) and turns boolean schemas into objects. */
function deref(schema: unknown, root: Schema): Schema {
  let node: unknown = schema;
  for (let hop = 0; hop < MAX_REF_HOPS; hop++) {
    if (node === true || node === undefined) return {};
    if (node === false) return { not: {} };
    if (!isObject(node)) return {};
    if (typeof node.$ref !== 'string') return node;
    const { $ref, ...siblings } = node;
    const target = pointer(root, $ref);
    node =
      Object.keys(siblings).length > 0 && isObject(target) ? { ...target, ...siblings } : target;
  }
  return {};
}

/** Flattens allOf into one schema (properties and required are unioned). */
function mergeAllOf(schema: Schema, root: Schema): Schema {
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...rest } = schema;
  let merged: Schema = { ...rest };
  for (const part of allOf) {
    const s = mergeAllOf(deref(part, root), root);
    merged = {
      ...s,
      ...merged,
      properties: { ...(s.properties as JsonObject), ...(merged.properties as JsonObject) },
      required: [...asStrings(s.required), ...asStrings(merged.required)],
    };
  }
  return merged;
}

export function resolve(schema: unknown, root: Schema): Schema {
  return mergeAllOf(deref(schema, root), root);
}

export function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Declared types, or the types implied by the keywords present. */
export function typesOf(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return asStrings(schema.type);
  if (isObject(schema.properties) || Array.isArray(schema.required)) return ['object'];
  if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return ['array'];
  return [];
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function typeMatches(value: unknown, type: string): boolean {
  const actual = jsonType(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export function options(schema: Schema): unknown[] | undefined {
  if (Array.isArray(schema.anyOf)) return schema.anyOf;
  if (Array.isArray(schema.oneOf)) return schema.oneOf;
  return undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every enum/const value reachable at a schema node, across anyOf/oneOf. */
export function enumValues(schema: unknown, root: Schema): unknown[] {
  const s = resolve(schema, root);
  if ('const' in s) return [s.const];
  if (Array.isArray(s.enum)) return s.enum;
  const alternatives = options(s);
  return alternatives ? alternatives.flatMap((o) => enumValues(o, root)) : [];
}
