import { asStrings, resolve, type Schema, typesOf } from './schema-core.js';
import { validateJson } from './schema-validate.js';
import { isObject } from './wire.js';

/**
 * The `schemaBreak` fault: a tool input that violates its schema the way a
 * model sometimes does. A numeric property (`confidence` first) becomes a
 * word, and one required property (`summary` first) is dropped.
 */
export function breakInput(input: unknown, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = isObject(input) ? { ...input } : {};
  const s = resolve(schema, schema);
  const props = isObject(s.properties) ? s.properties : {};
  const numeric = Object.keys(props).filter((key) => {
    const types = typesOf(resolve(props[key], schema));
    return types.includes('number') || types.includes('integer');
  });
  const target = numeric.includes('confidence') ? 'confidence' : numeric[0];
  if (target) out[target] = 'high';
  const required = asStrings(s.required).filter((key) => key !== target);
  const drop = required.includes('summary') ? 'summary' : required.at(-1);
  if (drop) delete out[drop];
  if (validateJson(out, schema).length === 0) out.__unexpected_field__ = ['not', 'in', 'schema'];
  return out;
}
