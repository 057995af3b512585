import {
  asStrings,
  deepEqual,
  options,
  resolve,
  type Schema,
  typeMatches,
  typesOf,
} from './schema-core.js';
import { validateJson } from './schema-validate.js';
import { isObject } from './wire.js';

/**
 * Two helpers that make tool input fit a tool's input_schema:
 * - `instanceOf` builds the smallest valid instance (required properties
 *   only, minItems items, first enum value, lowest allowed number);
 * - `conform` keeps as much of a given value as the schema allows (drops
 *   unknown properties where additionalProperties is false, truncates long
 *   strings and arrays, clamps numbers, swaps unknown enum values for the
 *   first allowed one, fills missing required properties).
 */

const MAX_DEPTH = 24;
const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '00:00:00Z',
  email: 'someone@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  ipv4: '127.0.0.1',
};

function stringInstance(s: Schema): string {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const sample = typeof s.format === 'string' ? FORMAT_SAMPLES[s.format] : undefined;
  const candidates = [sample ?? '', 'x'.repeat(Math.max(min, 1)), 'a', 'A', '0', 'a_b', 'example'];
  const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern, 'u') : undefined;
  const fit = candidates.find(
    (c) => [...c].length >= min && (pattern === undefined || pattern.test(c)),
  );
  return fit ?? 'x'.repeat(min);
}

function numberInstance(s: Schema, integer: boolean): number {
  let n = 0;
  if (typeof s.minimum === 'number') n = Math.max(n, s.minimum);
  if (typeof s.exclusiveMinimum === 'number')
    n = Math.max(n, s.exclusiveMinimum + (integer ? 1 : 1e-6));
  if (typeof s.maximum === 'number') n = Math.min(n, s.maximum);
  if (typeof s.exclusiveMaximum === 'number' && n >= s.exclusiveMaximum) n = s.exclusiveMaximum - 1;
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0)
    n = Math.ceil(n / s.multipleOf) * s.multipleOf;
  return integer ? Math.ceil(n) : n;
}

export function instanceOf(raw: unknown, root: Schema, depth = 0): unknown {
  const s = resolve(raw, root);
  if (depth > MAX_DEPTH) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ('default' in s && validateJson(s.default, s, root).length === 0) return s.default;
  const alternatives = options(s);
  if (alternatives && alternatives.length > 0) {
    const nonNull = alternatives.find((o) => !typesOf(resolve(o, root)).includes('null'));
    return instanceOf(nonNull ?? alternatives[0], root, depth + 1);
  }
  const type = typesOf(s).find((t) => t !== 'null') ?? typesOf(s)[0] ?? 'object';
  switch (type) {
    case 'object': {
      const props = isObject(s.properties) ? s.properties : {};
      const out: Record<string, unknown> = {};
      for (const key of asStrings(s.required)) out[key] = instanceOf(props[key], root, depth + 1);
      return out;
    }
    case 'array': {
      const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      const items: unknown[] = prefix
        .slice(0, Math.max(min, 0))
        .map((p) => instanceOf(p, root, depth + 1));
      const itemEnum = isObject(s.items) ? resolve(s.items, root).enum : undefined;
      for (let i = items.length; i < min; i++) {
        items.push(
          Array.isArray(itemEnum) && s.uniqueItems === true
            ? itemEnum[i]
            : instanceOf(s.items, root, depth + 1),
        );
      }
      return items;
    }
    case 'string':
      return stringInstance(s);
    case 'integer':
      return numberInstance(s, true);
    case 'number':
      return numberInstance(s, false);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

export function conform(value: unknown, raw: unknown, root: Schema, depth = 0): unknown {
  const s = resolve(raw, root);
  if (depth > MAX_DEPTH) return instanceOf(s, root, depth);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) {
    return s.enum.some((e) => deepEqual(e, value)) ? value : instanceOf(s, root, depth);
  }
  const alternatives = options(s);
  if (alternatives) {
    if (alternatives.some((o) => validateJson(value, o, root).length === 0)) return value;
    const sameType = alternatives.find((o) =>
      typesOf(resolve(o, root)).some((t) => typeMatches(value, t)),
    );
    return sameType ? conform(value, sameType, root, depth + 1) : instanceOf(s, root, depth);
  }
  const types = typesOf(s);
  if (types.length > 0 && !types.some((t) => typeMatches(value, t)))
    return instanceOf(s, root, depth);
  if (typeof value === 'string') return conformString(value, s);
  if (typeof value === 'number') return conformNumber(value, s, types);
  if (Array.isArray(value)) return conformArray(value, s, root, depth);
  if (isObject(value)) return conformObject(value, s, root, depth);
  return value;
}

function conformString(value: string, s: Schema): string {
  let out = value;
  if (typeof s.maxLength === 'number' && [...out].length > s.maxLength) {
    out = [...out].slice(0, s.maxLength).join('');
  }
  if (typeof s.minLength === 'number' && [...out].length < s.minLength)
    out = out.padEnd(s.minLength, '.');
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(out))
    return stringInstance(s);
  return out;
}

function conformNumber(value: number, s: Schema, types: string[]): number {
  let n = value;
  if (typeof s.minimum === 'number') n = Math.max(n, s.minimum);
  if (typeof s.maximum === 'number') n = Math.min(n, s.maximum);
  if (types.includes('integer') && !types.includes('number')) n = Math.round(n);
  return validateJson(n, s).length === 0 ? n : numberInstance(s, types.includes('integer'));
}

function conformArray(value: unknown[], s: Schema, root: Schema, depth: number): unknown[] {
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
  let out = value.map((item, i) =>
    conform(item, i < prefix.length ? prefix[i] : (s.items ?? {}), root, depth + 1),
  );
  if (s.uniqueItems === true) {
    const seen = new Set<string>();
    out = out.filter((item) => !seen.has(JSON.stringify(item)) && seen.add(JSON.stringify(item)));
  }
  if (typeof s.maxItems === 'number') out = out.slice(0, s.maxItems);
  if (typeof s.minItems === 'number' && out.length < s.minItems) {
    const filler = instanceOf(s, root, depth) as unknown[];
    out = [...out, ...filler.slice(out.length)];
  }
  return out;
}

function conformObject(
  value: Record<string, unknown>,
  s: Schema,
  root: Schema,
  depth: number,
): Record<string, unknown> {
  const props = isObject(s.properties) ? s.properties : {};
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (key in props) out[key] = conform(item, props[key], root, depth + 1);
    else if (isObject(s.additionalProperties))
      out[key] = conform(item, s.additionalProperties, root, depth + 1);
    else if (s.additionalProperties !== false) out[key] = item;
  }
  for (const key of asStrings(s.required)) {
    if (!(key in out)) out[key] = instanceOf(props[key], root, depth + 1);
  }
  return out;
}
