import { describe, expect, it } from 'vitest';
import { instanceOf, validateJson } from '../src/index.js';
import { conform } from '../src/schema-instance.js';
import { verdictSchema } from './helpers.js';

describe('JSON Schema helpers', () => {
  it('builds a minimal valid instance, following $ref, anyOf and formats', () => {
    const schema = {
      type: 'object',
      $defs: {
        item: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[a-z]+$' } },
          required: ['id'],
        },
      },
      properties: {
        items: { type: 'array', items: { $ref: '#/$defs/item' }, minItems: 2 },
        when: { type: 'string', format: 'date-time' },
        n: { type: 'integer', exclusiveMinimum: 3 },
        either: { anyOf: [{ type: 'null' }, { type: 'number', minimum: 5 }] },
        kind: { enum: ['x', 'y'] },
      },
      required: ['items', 'when', 'n', 'either', 'kind'],
    };
    const value = instanceOf(schema, schema);
    expect(validateJson(value, schema)).toEqual([]);
    expect(value).toMatchObject({ n: 4, either: 5, kind: 'x' });
  });

  it('validates the verdict schema and reports where it fails', () => {
    const schema = verdictSchema();
    const errors = validateJson({ outcome: 'maybe', score: 101, criteria: [] }, schema);
    expect(errors.join('\n')).toMatch(/\$\.outcome/);
    expect(errors.join('\n')).toMatch(/\$\.score/);
    expect(errors.join('\n')).toMatch(/\$\.summary: required/);
  });

  it('validates with ajv: draft-07 schemas, sub-schemas whose $ref points into the root, bad schemas reported', () => {
    const root = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: { id: { type: 'string', pattern: '^[a-z]+$' } },
      type: 'object',
      properties: { id: { $ref: '#/definitions/id' }, n: { type: 'integer' } },
      additionalProperties: false,
      required: ['id'],
    };
    expect(validateJson({ id: 'abc', n: 2 }, root)).toEqual([]);
    expect(validateJson({ id: 'ABC', n: 1.5, extra: true }, root).sort()).toEqual([
      '$.extra: not an allowed property',
      '$.id: must match pattern "^[a-z]+$"',
      '$.n: must be integer',
    ]);
    // A sub-schema checked on its own still resolves the root's definitions.
    expect(validateJson('abc', { $ref: '#/definitions/id' }, root)).toEqual([]);
    expect(validateJson('ABC', { $ref: '#/definitions/id' }, root)).toHaveLength(1);
    expect(validateJson(1, { $ref: '#/nowhere' })[0]).toMatch(/^\$: the schema cannot be used/);
    expect(validateJson({ criteria: [{ result: 'nope' }] }, verdictSchema()).join('\n')).toMatch(
      /\$\.criteria\[0\]\.result: must be one of/,
    );
  });

  it('conforms a value: drops unknown keys, truncates strings, clamps numbers, fills required', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        a: { type: 'string', maxLength: 3 },
        b: { type: 'number', maximum: 1 },
        c: { type: 'boolean' },
      },
      required: ['a', 'b', 'c'],
    };
    expect(conform({ a: 'abcdef', b: 7, extra: 1 }, schema, schema)).toEqual({
      a: 'abc',
      b: 1,
      c: false,
    });
  });
});
