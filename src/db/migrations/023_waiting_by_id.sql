-- The reconciler looks at the versions waiting to be graded in id order. It
-- used to page through them with a keyset (id > the last page's, LIMIT 500),
-- and the partial index of 001 is keyed on qc_status: with statistics taken
-- while few rows waited (the usual case, and exactly when an outage leaves a
-- backlog), the planner found and sorted every waiting row for each page, and
-- a pass over N waiting versions cost N²/500 row visits (`npm run bench --
-- reconcile`). A pass now reads the waiting ids once (src/db/tickets.ts
-- waitingIds) and each page by id; keyed on id under the same predicate, this
-- index serves that read in order, and every query that filters on these two
-- statuses as the old one did.

CREATE INDEX tickets_waiting_idx ON tickets (id) WHERE qc_status IN ('stored', 'queued');
DROP INDEX tickets_qc_status_idx;
