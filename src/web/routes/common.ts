import type { FastifyReply, FastifyRequest } from 'fastify';
import { type PageArgs, page } from '../views/layout.js';

/** What every page route uses: render, with the flash a redirect asked for. */

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

/** Redirects carry a code, never text, so a crafted link cannot put words in our mouth. */
const FLASHES: Record<string, { text: string; error?: boolean }> = {
  acknowledged: { text: 'Escalation acknowledged.' },
  resolved: { text: 'Escalation resolved.' },
  unchanged: { text: 'Nothing changed: it was already in that state.', error: true },
  overridden: { text: 'Override recorded. The chief of staff will count it as a failure.' },
  gold: { text: 'Override recorded and the ticket added to the evaluation set.' },
  approved: { text: 'Proposal approved: a new context version is active.' },
  rejected: { text: 'Proposal rejected.' },
  restored: {
    text: 'That earlier version is active again (re-activated as it was, not copied: results graded under it count again).',
  },
  paused: { text: 'The qc queue is paused.' },
  resumed: { text: 'The qc queue is running again.' },
  note_required: { text: 'A note is required.', error: true },
  bulk_acknowledged: { text: 'The selected escalations were acknowledged.' },
  bulk_resolved: { text: 'The selected escalations were resolved.' },
  none_selected: { text: 'Tick at least one escalation first.', error: true },
  reason_required: { text: 'A reason is required to reject a proposal.', error: true },
};

function flashOf(req: FastifyRequest): PageArgs['flash'] {
  // Read as it came: the error page renders for requests whose query failed validation too.
  const raw = (req.query as Record<string, unknown> | undefined)?.done;
  const code: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof code === 'string' ? FLASHES[code] : undefined;
}
