-- The reconciler pages through the versions waiting to be graded in id order
-- (keyset: id > the last page's, LIMIT 500; src/db/tickets.ts WAITING). The
-- partial index of 001 is keyed on qc_status, so a page found every waiting
-- row and sorted them: with statistics taken while few rows waited (the usual
-- case, and exactly when an outage leaves a backlog), the planner chose that
-- plan for every page, and a pass over N waiting versions cost N²/500 row
-- visits (`npm run bench -- reconcile`). Keyed on id under the same
-- predicate, a page is an ordered range scan that stops after its rows; the
-- index still serves every query that filters on these two statuses.

CREATE INDEX tickets_waiting_idx ON tickets (id) WHERE qc_status IN ('stored', 'queued');
DROP INDEX tickets_qc_status_idx;
