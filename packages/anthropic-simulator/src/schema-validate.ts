import {
  asStrings,
  deepEqual,
  jsonType,
  options,
  resolve,
  type Schema,
  typeMatches,
  typesOf,
} from './schema-core.js';
import { isObject } from './wire.js';

/**
 * A JSON Schema validator for the keywords tool schemas use. Returns error
 * strings ("$.criteria[0].result: ..."); an empty list means valid. `format`
 * is not checked (the API does not check it either).
 */
export function validateJson(value: unknown, schema: unknown, root?: Schema): string[] {
  const top = isObject(schema) ? schema : {};
  const errors: string[] = [];
  check(value, schema, root ?? top, '$', errors, 0);
  return errors;
}

function check(
  value: unknown,
  raw: unknown,
  root: Schema,
  path: string,
  errors: string[],
  depth: number,
) {
  if (depth > 64) return;
  if (raw === false) {
    errors.push(`${path}: no value is allowed here`);
    return;
  }
  const s = resolve(raw, root);
  const types = typesOf(s);
  if (types.length > 0 && !types.some((t) => typeMatches(value, t))) {
    errors.push(`${path}: expected ${types.join(' or ')}, got ${jsonType(value)}`);
    return;
  }
  if ('const' in s && !deepEqual(value, s.const))
    errors.push(`${path}: must equal ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) {
    errors.push(`${path}: must be one of ${JSON.stringify(s.enum)}`);
  }
  const alternatives = options(s);
  if (alternatives) {
    const passing = alternatives.filter(
      (alt) => validateJson(value, alt, root).length === 0,
    ).length;
    if (passing === 0) errors.push(`${path}: matches none of the allowed shapes`);
    else if (Array.isArray(s.oneOf) && passing > 1)
      errors.push(`${path}: matches more than one oneOf shape`);
  }
  if (isObject(s.not) && Object.keys(s.not).length === 0)
    errors.push(`${path}: no value is allowed here`);
  if (typeof value === 'string') checkString(value, s, path, errors);
  if (typeof value === 'number') checkNumber(value, s, path, errors);
  if (Array.isArray(value)) checkArray(value, s, root, path, errors, depth);
  if (isObject(value)) checkObject(value, s, root, path, errors, depth);
}

function checkString(value: string, s: Schema, path: string, errors: string[]) {
  const length = [...value].length;
  if (typeof s.minLength === 'number' && length < s.minLength)
    errors.push(`${path}: shorter than ${s.minLength}`);
  if (typeof s.maxLength === 'number' && length > s.maxLength)
    errors.push(`${path}: longer than ${s.maxLength}`);
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) {
    errors.push(`${path}: does not match ${s.pattern}`);
  }
}

function checkNumber(value: number, s: Schema, path: string, errors: string[]) {
  if (typeof s.minimum === 'number' && value < s.minimum)
    errors.push(`${path}: below ${s.minimum}`);
  if (typeof s.maximum === 'number' && value > s.maximum)
    errors.push(`${path}: above ${s.maximum}`);
  if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) {
    errors.push(`${path}: must be above ${s.exclusiveMinimum}`);
  }
  if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) {
    errors.push(`${path}: must be below ${s.exclusiveMaximum}`);
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
    const ratio = value / s.multipleOf;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9)
      errors.push(`${path}: not a multiple of ${s.multipleOf}`);
  }
}

function checkArray(
  value: unknown[],
  s: Schema,
  root: Schema,
  path: string,
  errors: string[],
  depth: number,
) {
  if (typeof s.minItems === 'number' && value.length < s.minItems)
    errors.push(`${path}: fewer than ${s.minItems} items`);
  if (typeof s.maxItems === 'number' && value.length > s.maxItems)
    errors.push(`${path}: more than ${s.maxItems} items`);
  if (
    s.uniqueItems === true &&
    new Set(value.map((v) => JSON.stringify(v))).size !== value.length
  ) {
    errors.push(`${path}: items must be unique`);
  }
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
  value.forEach((item, i) => {
    const itemSchema = i < prefix.length ? prefix[i] : s.items;
    if (itemSchema !== undefined) check(item, itemSchema, root, `${path}[${i}]`, errors, depth + 1);
  });
}

function checkObject(
  value: Record<string, unknown>,
  s: Schema,
  root: Schema,
  path: string,
  errors: string[],
  depth: number,
) {
  for (const key of asStrings(s.required)) {
    if (!(key in value)) errors.push(`${path}.${key}: required`);
  }
  const props = isObject(s.properties) ? s.properties : {};
  for (const [key, item] of Object.entries(value)) {
    if (key in props) check(item, props[key], root, `${path}.${key}`, errors, depth + 1);
    else if (s.additionalProperties === false)
      errors.push(`${path}.${key}: not an allowed property`);
    else if (isObject(s.additionalProperties)) {
      check(item, s.additionalProperties, root, `${path}.${key}`, errors, depth + 1);
    }
  }
  const count = Object.keys(value).length;
  if (typeof s.minProperties === 'number' && count < s.minProperties)
    errors.push(`${path}: too few properties`);
  if (typeof s.maxProperties === 'number' && count > s.maxProperties)
    errors.push(`${path}: too many properties`);
}
