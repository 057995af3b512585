import { z } from 'zod';
import { RANGES } from './range.js';

/**
 * What the pages accept, declared once and put on the routes as Fastify
 * schemas (validated before the handler runs; a failure is a 400 on the
 * error page). The pages are forgiving where they always were: a filter with
 * an unknown value falls back to its default, a missing form field is ''.
 * They are strict where a wrong value cannot mean anything: ids.
 */

/** `?ref=a&ref=b` parses to an array, which no page expects: the first one counts. */
export function one<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v[0] : v), schema);
}

/** One query-string value, or undefined when absent or not a string. */
export const text = one(z.string().optional().catch(undefined));

/** A filter that must be one of `values`; anything else means `fallback`. */
export function choice<const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
) {
  return one(z.enum(values).catch(fallback));
}

/** A form field: trimmed, '' when missing or not a single string. */
export const field = z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string());

/** A body as the page forms send it; anything that is not an object reads as no fields. */
export function form<S extends z.core.$ZodLooseShape>(shape: S) {
  // Loose: the guard reads `_csrf` from the same body after validation.
  return z.preprocess(
    (b) => (b && typeof b === 'object' && !Array.isArray(b) ? b : {}),
    z.looseObject(shape),
  );
}

/** Every page's query string: `done` is the flash code a redirect carries. */
export function pageQuery<S extends z.core.$ZodLooseShape>(shape: S = {} as S) {
  return z.object({ done: text, ...shape });
}

const mustBeId = { error: 'id must be a positive integer' };

/** `/things/:id`: a positive integer, or 400. */
export const IdParams = z.object({
  id: z.coerce.number(mustBeId).int(mustBeId).positive(mustBeId),
});

/** The trailing-days selector of the Costs, Supervision and Technicians pages; other values mean the default. */
export const DaysQuery = pageQuery({
  days: one(z.coerce.number().pipe(z.literal(RANGES)).optional().catch(undefined)),
});
