-- Issue 11 point 6: patterns mined from history. One row per `patterns mine`
-- run. Through Message Batches the run is paid for once submitted, so the
-- batch id is stored before anything waits on it: a run interrupted while
-- the batch is processing is collected by the next `patterns mine` instead
-- of being submitted (and paid for) again.
CREATE TABLE pattern_mining_runs (
  id           BIGSERIAL   PRIMARY KEY,
  via          TEXT        NOT NULL CHECK (via IN ('batches', 'realtime')),
  trigger      TEXT        NOT NULL DEFAULT 'cli',
  model        TEXT        NOT NULL,
  since        TIMESTAMPTZ,
  max_tickets  INT,
  ticket_ids   BIGINT[]    NOT NULL,
  chunks       INT         NOT NULL,
  batch_id     TEXT,
  status       TEXT        NOT NULL DEFAULT 'selected'
               CHECK (status IN ('selected', 'submitted', 'proposed', 'nothing', 'failed')),
  proposal_id  BIGINT      REFERENCES prompt_proposals(id),
  cost_usd     NUMERIC(14, 8) NOT NULL DEFAULT 0,
  note         TEXT,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at  TIMESTAMPTZ
);
CREATE INDEX pattern_mining_runs_open_idx ON pattern_mining_runs (id) WHERE status = 'submitted';
