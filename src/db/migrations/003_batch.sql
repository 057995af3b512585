-- Nightly batch grading through the Message Batches API (src/batches).
--
-- Creating a message batch takes no idempotency key, so every step is
-- written down BEFORE the call that depends on it: the run, then each chunk
-- with its custom_id → ticket mapping, then 'submitting' (with a timestamp
-- used to find the batch in messages.batches.list after a crash), and only
-- then the create call. See src/batches/README.md for the state machine.

-- One `batch run` (CLI or nightly schedule).
CREATE TABLE batch_runs (
  id              BIGSERIAL PRIMARY KEY,
  via             TEXT        NOT NULL CHECK (via IN ('batches', 'queue')),
  trigger         TEXT        NOT NULL DEFAULT 'cli',        -- cli | schedule
  context_version TEXT        NOT NULL,
  -- Every active context file's version when the run started, so results can
  -- be validated against the context the requests were built with.
  context_files   JSONB       NOT NULL,
  model           TEXT        NOT NULL,
  since           TIMESTAMPTZ,
  until           TIMESTAMPTZ,
  max_tickets     INT,
  selected        INT         NOT NULL DEFAULT 0,
  planned_at      TIMESTAMPTZ,                               -- NULL: selection not finished
  finished_at     TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX batch_runs_open_idx ON batch_runs (id) WHERE finished_at IS NULL;

-- One Message Batch (a chunk of a run, under the API's count and size limits).
CREATE TABLE batch_chunks (
  id                  BIGSERIAL PRIMARY KEY,
  run_id              BIGINT      NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
  status              TEXT        NOT NULL DEFAULT 'prepared' CHECK (status IN
                        ('prepared',     -- mapping stored, create not attempted
                         'submitting',   -- create attempted; the id may be unknown
                         'in_progress',  -- created, id stored
                         'ended',        -- processing ended, results not all ingested
                         'collected',    -- every entry ingested or requeued
                         'failed',       -- the API refused the create (nothing was created)
                         'abandoned')),  -- never submitted (context changed before submit)
  anthropic_batch_id  TEXT        UNIQUE,
  request_count       INT         NOT NULL,
  bytes               BIGINT      NOT NULL,
  submit_started_at   TIMESTAMPTZ,
  submitted_at        TIMESTAMPTZ,
  ended_at            TIMESTAMPTZ,
  collected_at        TIMESTAMPTZ,
  request_counts      JSONB,       -- as the API last reported them
  error               TEXT,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX batch_chunks_live_idx ON batch_chunks (status)
  WHERE status IN ('prepared', 'submitting', 'in_progress', 'ended');
CREATE INDEX batch_chunks_run_idx ON batch_chunks (run_id);

-- The custom_id → ticket mapping, one row per request, stored before submit.
CREATE TABLE batch_requests (
  custom_id       TEXT        PRIMARY KEY CHECK (custom_id ~ '^[a-zA-Z0-9_-]{1,64}$'),
  chunk_id        BIGINT      NOT NULL REFERENCES batch_chunks(id) ON DELETE CASCADE,
  ticket_id       BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  context_version TEXT        NOT NULL,
  state           TEXT        NOT NULL DEFAULT 'pending' CHECK (state IN
                    ('pending',    -- mapped, batch not yet ended
                     'graded',     -- result stored (result_id)
                     'requeued',   -- errored/expired/canceled/missing: sent to the realtime queue
                     'failed',     -- no valid verdict even after tier-up, or never submitted
                     'superseded')), -- chunk abandoned before submit
  result_type     TEXT,          -- succeeded | errored | expired | canceled | missing
  result_id       BIGINT      REFERENCES qc_results(id) ON DELETE SET NULL,
  attempts        INT         NOT NULL DEFAULT 0,
  error           TEXT,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (chunk_id, ticket_id)
);
-- Selection skips tickets already mapped for the active context version.
CREATE INDEX batch_requests_ticket_idx ON batch_requests (ticket_id, context_version);
CREATE INDEX batch_requests_chunk_state_idx ON batch_requests (chunk_id, state);
