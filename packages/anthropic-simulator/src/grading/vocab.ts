import { enumValues, options, resolve, type Schema } from '../schema-core.js';
import { isObject } from '../wire.js';

/**
 * The ids a verdict may use, read from the record_verdict input_schema (the
 * schema is the source of truth), plus weights, auto-fail flags and the pass
 * mark read from the rubric text in the system prompt (`## \`id\`` headings
 * followed by `Weight: N` and `Auto-fail: yes|no` lines; `Pass threshold: N` or
 * "score below N").
 */
export interface Vocab {
  criteria: string[];
  results: string[];
  rules: string[];
  patterns: string[];
  /** agent id → its categories */
  agents: Map<string, string[]>;
  weights: Map<string, number>;
  autoFail: Set<string>;
  /** Score below this fails: the rubric's pass mark (70 when the prompt names none). */
  passThreshold: number;
}

const HEADING = /^##\s+`([a-z][a-z0-9_]*)`/;
const WEIGHT = /^Weight:\s*(\d+(?:\.\d+)?)\s*$/i;
const AUTO_FAIL = /^Auto-fail:\s*(yes|no)\s*$/i;

const DEFAULT_PASS_THRESHOLD = 70;
const PASS_THRESHOLD_LINE = /^\s*(?:[-*]\s*)?\**Pass threshold\**\s*:\s*\**\s*(\d+)/im;
const PASS_THRESHOLD_RULE = /^\s*(?:[-*]\s*)?score below (\d+)\b/im;

/**
 * The pass mark of the rubric in the system prompt, read the way the product
 * reads it: a `Pass threshold: N` line, else the "score below N → fail" step of
 * the scoring rule, else 70.
 */
export function readPassThreshold(system: string): number {
  const n = Number(
    PASS_THRESHOLD_LINE.exec(system)?.[1] ??
      PASS_THRESHOLD_RULE.exec(system)?.[1] ??
      DEFAULT_PASS_THRESHOLD,
  );
  return n >= 0 && n <= 100 ? n : DEFAULT_PASS_THRESHOLD;
}

function strings(values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string'))];
}

function prop(schema: unknown, root: Schema, ...path: string[]): unknown {
  let node: unknown = schema;
  for (const key of path) {
    const s = resolve(node, root);
    if (key === '[]') node = s.items;
    else node = isObject(s.properties) ? s.properties[key] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function readAgents(schema: Schema): Map<string, string[]> {
  const agents = new Map<string, string[]>();
  const items = prop(schema, schema, 'attributions', '[]');
  if (items === undefined) return agents;
  const shapes = options(resolve(items, schema)) ?? [items];
  for (const shape of shapes) {
    const agentIds = strings(enumValues(prop(shape, schema, 'agent'), schema));
    const categories = strings(enumValues(prop(shape, schema, 'category'), schema));
    for (const agent of agentIds) agents.set(agent, [...(agents.get(agent) ?? []), ...categories]);
  }
  return agents;
}

export function readRubric(system: string): {
  weights: Map<string, number>;
  autoFail: Set<string>;
  headings: string[];
} {
  const weights = new Map<string, number>();
  const autoFail = new Set<string>();
  const headings: string[] = [];
  let current: string | undefined;
  for (const line of system.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    if (heading?.[1]) {
      current = heading[1];
      continue;
    }
    if (line.startsWith('#')) current = undefined;
    if (!current) continue;
    const weight = WEIGHT.exec(line.trim());
    if (weight?.[1]) {
      weights.set(current, Number(weight[1]));
      headings.push(current);
    }
    const auto = AUTO_FAIL.exec(line.trim());
    if (auto?.[1]?.toLowerCase() === 'yes') autoFail.add(current);
  }
  return { weights, autoFail, headings };
}

/** The per-criterion properties of a terse schema's `results` object, if it has one. */
export function resultsProperties(schema: Schema): Record<string, unknown> | undefined {
  const node = prop(schema, schema, 'results');
  if (node === undefined) return undefined;
  const s = resolve(node, schema);
  return isObject(s.properties) ? s.properties : undefined;
}

export function readVocab(schema: Schema, system: string): Vocab {
  const rubric = readRubric(system);
  // Two shapes: `criteria: [{criterion, result, …}]`, or the terse `results: {<id>: result}`.
  const terse = resultsProperties(schema);
  const fromSchema = terse
    ? Object.keys(terse)
    : strings(enumValues(prop(schema, schema, 'criteria', '[]', 'criterion'), schema));
  const firstResult = terse ? Object.values(terse)[0] : undefined;
  const results = strings(
    enumValues(
      firstResult !== undefined ? firstResult : prop(schema, schema, 'criteria', '[]', 'result'),
      schema,
    ),
  );
  const autoFail = rubric.autoFail;
  const criteria = fromSchema.length > 0 ? fromSchema : rubric.headings;
  // Without rubric text in the prompt, fall back to the one auto-fail criterion the product defines.
  if (autoFail.size === 0 && !/Auto-fail:/i.test(system) && criteria.includes('no_secrets')) {
    autoFail.add('no_secrets');
  }
  return {
    criteria,
    results: results.length > 0 ? results : ['met', 'partial', 'missing', 'n/a'],
    rules: strings(enumValues(prop(schema, schema, 'escalations', '[]', 'rule'), schema)),
    patterns: strings(enumValues(prop(schema, schema, 'patterns', '[]'), schema)),
    agents: readAgents(schema),
    weights: rubric.weights,
    autoFail,
    passThreshold: readPassThreshold(system),
  };
}
