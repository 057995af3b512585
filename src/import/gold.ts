import { z } from 'zod';
import {
  attempt,
  list,
  object,
  oneOf,
  optional,
  record,
  required,
  text,
  walk,
  withDefault,
} from '../ticket/fast-parse.js';

const OUTCOMES = ['pass', 'fail', 'escalate'] as const;
const CRITERION = ['met', 'partial', 'missing', 'n/a'] as const;

/** A gold verdict, kept apart from the ticket for evaluation. */
export const Gold = z.object({
  outcome: z.enum(OUTCOMES),
  criteria: z.record(z.string(), z.enum(CRITERION)),
  escalations: z.array(z.string()).default([]),
  attributions: z.array(z.object({ agent: z.string(), category: z.string() })).default([]),
  patterns: z.array(z.string()).default([]),
  notes: z.string().optional(),
});
export type Gold = z.infer<typeof Gold>;

/** `Gold` written out by hand with the ticket's readers (src/ticket/fast-parse.ts). */
const goldFast = object({
  outcome: required(oneOf(OUTCOMES)),
  criteria: required(record(oneOf(CRITERION))),
  escalations: withDefault(list(text()), () => []),
  attributions: withDefault(
    list(object({ agent: required(text()), category: required(text()) })),
    () => [],
  ),
  patterns: withDefault(list(text()), () => []),
  notes: optional(text()),
});

/**
 * The label as `Gold.parse` would give it, keys in jsonb's order (as the
 * import stores it), or undefined for zod to decide.
 */
export function fastGold(raw: unknown): Gold | undefined {
  return attempt(walk('jsonb'), goldFast, raw) as Gold | undefined;
}
