import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../errors.js';
import { type PageArgs, page } from '../views/layout.js';

/** Small helpers every page route uses: render, read an id, read a form field, flash. */

export function render(
  req: FastifyRequest,
  reply: FastifyReply,
  base: string,
  a: Omit<PageArgs, 'reviewer' | 'base' | 'flash'>,
) {
  // Reviewer pages hold ticket text and money: never cached by a browser or a proxy.
  return reply
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page({ ...a, reviewer: req.reviewer, base, flash: flashOf(req) }));
}

export function idParam(req: FastifyRequest, name = 'id'): number {
  const v = (req.params as Record<string, string | undefined>)[name];
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw badRequest(`${name} must be a positive integer`);
  return n;
}

export function field(req: FastifyRequest, name: string): string {
  const b = req.body as Record<string, unknown> | undefined;
  const v = b && typeof b === 'object' ? b[name] : undefined;
  return typeof v === 'string' ? v.trim() : '';
}

/** The query string as single strings: `?ref=a&ref=b` parses to an array, which no page expects. */
export function query(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
    const first: unknown = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/** Redirects carry a code, never text, so a crafted link cannot put words in our mouth. */
const FLASHES: Record<string, { text: string; error?: boolean }> = {
  acknowledged: { text: 'Escalation acknowledged.' },
  resolved: { text: 'Escalation resolved.' },
  unchanged: { text: 'Nothing changed: it was already in that state.', error: true },
  overridden: { text: 'Override recorded. The chief of staff will count it as a failure.' },
  gold: { text: 'Override recorded and the ticket added to the evaluation set.' },
  approved: { text: 'Proposal approved: a new context version is active.' },
  rejected: { text: 'Proposal rejected.' },
  restored: { text: 'Version restored as the new active version.' },
  paused: { text: 'The qc queue is paused.' },
  resumed: { text: 'The qc queue is running again.' },
  note_required: { text: 'A note is required.', error: true },
};

function flashOf(req: FastifyRequest): PageArgs['flash'] {
  const code = query(req).done;
  return code ? FLASHES[code] : undefined;
}
