-- The versions a reconciler pass reads are those of the realtime lane
-- (src/db/tickets.ts waitingIds). History imported into the batch lane waits
-- as `stored` too, until `batch run` or the nightly job grades it, and the
-- index of 023 held it: with 300,000 imported rows waiting, every pass (each
-- API replica, every QC_RECONCILE_INTERVAL) read all of them to keep the 2,000
-- realtime ones — a parallel scan of tickets, 87 ms against 2 ms with the lane
-- first (ad-hoc timing). Keyed on (lane, id), the realtime lane's waiting
-- versions are one range in id order; a query over both lanes (a job's
-- version found by its id, src/db/qc-jobs.ts) still has the partial index.

CREATE INDEX tickets_waiting_lane_idx ON tickets (lane, id) WHERE qc_status IN ('stored', 'queued');
DROP INDEX tickets_waiting_idx;
