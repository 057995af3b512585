-- Issue 12, point 2: bundling reads unbundled follow-ups a page at a time, in
-- (run, round, id) order after the last one read. With id in the partial
-- index each page is an index range, not a sort of the whole backlog. The
-- (run_id, round) prefix still serves "does this run have follow-ups left".

CREATE INDEX batch_followups_unplanned_page_idx ON batch_followups (run_id, round, id)
  WHERE chunk_id IS NULL;
DROP INDEX batch_followups_unplanned_idx;
