import type { Ticket } from '../ticket/schema.js';

/**
 * A ticket as it arrived, before anyone worked on it: the customer's opening
 * messages only (up to the first reply from the service desk), no time
 * entries, no triage notes, status new. Triage is judged on what it could
 * know then, so a backtest on a long-closed ticket sees the same thing the
 * live agent saw.
 */
export function creationState(t: Ticket): Ticket {
  const firstStaff = t.comments.findIndex((c) => c.role !== 'customer');
  const opening = firstStaff === -1 ? t.comments : t.comments.slice(0, firstStaff);
  const { closedAt: _closed, triage: _triage, assignee: _assignee, ...rest } = t;
  return {
    ...rest,
    status: 'new',
    updatedAt: t.createdAt,
    comments: opening,
    timeEntries: [],
  };
}
