-- Batch all the way (issue 12): repairs, tier-ups and shadows of batch-lane
-- tickets go through Message Batches too, as further rounds of the run.
--
-- A result that needs another model call is not graded on the spot: the
-- grading state needed to resume it (every reply so far, the random draws and
-- sample rates it used, and the request it wants next) is journaled in
-- batch_followups, in the same transaction that settles the request as
-- 'followup'. The next pass bundles unplanned follow-ups into a chunk of the
-- next round (a batch_requests row per follow-up, carrying the journal), which
-- is submitted, polled and collected like any chunk. A crash anywhere leaves
-- either the journal or the chunk stored: nothing is paid for twice.

ALTER TABLE batch_chunks ADD COLUMN round INT NOT NULL DEFAULT 1 CHECK (round >= 1);

ALTER TABLE batch_requests ADD COLUMN round INT NOT NULL DEFAULT 1 CHECK (round >= 1);
-- Round > 1: the journal the request was built from and grading resumes with.
ALTER TABLE batch_requests ADD COLUMN journal JSONB;

ALTER TABLE batch_requests DROP CONSTRAINT batch_requests_state_check;
ALTER TABLE batch_requests ADD CONSTRAINT batch_requests_state_check CHECK (state IN
  ('pending', 'graded', 'requeued', 'failed', 'superseded',
   'followup')); -- result read; its next model call journaled in batch_followups

CREATE TABLE batch_followups (
  id              BIGSERIAL   PRIMARY KEY,
  run_id          BIGINT      NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
  -- The request whose result asked for this call: one follow-up each, so a
  -- rerun that reads the same result again journals nothing new.
  from_custom_id  TEXT        NOT NULL UNIQUE REFERENCES batch_requests(custom_id) ON DELETE CASCADE,
  ticket_id       BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  context_version TEXT        NOT NULL,
  round           INT         NOT NULL CHECK (round >= 2),
  journal         JSONB       NOT NULL,
  -- NULL until bundled into the next round's chunk.
  chunk_id        BIGINT      REFERENCES batch_chunks(id) ON DELETE SET NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX batch_followups_unplanned_idx ON batch_followups (run_id, round) WHERE chunk_id IS NULL;
