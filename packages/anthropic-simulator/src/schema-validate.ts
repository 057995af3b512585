import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Schema } from './schema-core.js';
import { isObject } from './wire.js';

/**
 * JSON Schema validation of tool input, by ajv (draft 2020-12, which also
 * reads the draft-07 schemas tools are usually written in). Returns error
 * strings ("$.criteria[0].result: must be one of [...]"); an empty list means
 * valid. `format` is not checked (the API does not check it either), unknown
 * keywords are ignored.
 */

const ajv = new Ajv2020({
  allErrors: true,
  strict: false,
  validateFormats: false,
  // Tool schemas come from clients: a bad one is reported, never thrown at the caller.
  validateSchema: false,
});

/** Compiled validators by schema text; tool schemas arrive as a new object with every request. */
const compiled = new Map<string, { schema: object; validate: ValidateFunction }>();
const MAX_COMPILED = 256;

function validatorFor(schema: object, key: string): ValidateFunction {
  const hit = compiled.get(key);
  if (hit) {
    compiled.delete(key); // most recently used last
    compiled.set(key, hit);
    return hit.validate;
  }
  const validate = ajv.compile(schema);
  compiled.set(key, { schema, validate });
  if (compiled.size > MAX_COMPILED) {
    const [oldestKey, oldest] = compiled.entries().next().value as [string, { schema: object }];
    compiled.delete(oldestKey);
    ajv.removeSchema(oldest.schema);
  }
  return validate;
}

/**
 * The schema to compile. `$id`/`$schema` are dropped (ajv would register the
 * id globally, or look for another draft's meta-schema). A sub-schema checked
 * on its own (`root` given) gets the root's `$defs`/`definitions`, so its
 * local `$ref`s still resolve.
 */
function standalone(schema: unknown, root: Schema | undefined): object | boolean {
  if (typeof schema === 'boolean') return schema;
  if (!isObject(schema)) return {};
  const { $id: _id, $schema: _draft, ...rest } = schema;
  if (!root || root === schema) return rest;
  const defs = isObject(root.$defs) ? { $defs: { ...root.$defs, ...(rest.$defs as object) } } : {};
  const definitions = isObject(root.definitions)
    ? { definitions: { ...root.definitions, ...(rest.definitions as object) } }
    : {};
  return { ...rest, ...defs, ...definitions };
}

/** JSON pointer (/criteria/0/result) → $.criteria[0].result */
function pathOf(pointer: string): string {
  let out = '$';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return out;
}

function describe(e: ErrorObject): string {
  const path = pathOf(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${path}.${String(p.missingProperty)}: required`;
    case 'additionalProperties':
      return `${path}.${String(p.additionalProperty)}: not an allowed property`;
    case 'enum':
      return `${path}: must be one of ${JSON.stringify(p.allowedValues)}`;
    case 'const':
      return `${path}: must equal ${JSON.stringify(p.allowedValue)}`;
    case 'false schema':
      return `${path}: no value is allowed here`;
    default:
      return `${path}: ${e.message ?? e.keyword}`;
  }
}

export function validateJson(value: unknown, schema: unknown, root?: Schema): string[] {
  const target = standalone(schema, root);
  if (target === true) return [];
  if (target === false) return ['$: no value is allowed here'];
  let validate: ValidateFunction;
  try {
    validate = validatorFor(target, JSON.stringify(target));
  } catch (err) {
    return [`$: the schema cannot be used: ${err instanceof Error ? err.message : String(err)}`];
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describe);
}
