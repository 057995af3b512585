-- Issue 10: a paid model call is recorded even when its process dies mid-call.
-- A row is written before every call and completed after it; an llm_call event
-- claims it. The reconciler records attempts nobody claimed (their process
-- died): with the answer's real cost when the answer arrived, else with an
-- estimate marked as such in the event's details.
CREATE TABLE llm_attempts (
  id                BIGSERIAL PRIMARY KEY,
  started_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  owner             TEXT        NOT NULL,            -- host:pid of the caller, for the operator
  agent             TEXT        NOT NULL,
  model             TEXT        NOT NULL,
  purpose           TEXT        NOT NULL,
  tier              TEXT        NOT NULL,
  ticket_id         BIGINT      REFERENCES tickets(id) ON DELETE SET NULL,
  job_id            TEXT,
  context_version   TEXT,
  est_input_tokens  INT         NOT NULL,
  max_output_tokens INT         NOT NULL,
  est_cost_usd      NUMERIC(14,8) NOT NULL,
  state             TEXT        NOT NULL DEFAULT 'open'
                    CHECK (state IN ('open', 'answered', 'failed', 'recorded')),
  answered_at       TIMESTAMPTZ,
  call              JSONB,                           -- the measured call, once answered
  recorded_at       TIMESTAMPTZ
);
CREATE INDEX llm_attempts_unrecorded_idx ON llm_attempts (started_at)
  WHERE state IN ('open', 'answered');
CREATE INDEX llm_attempts_done_idx ON llm_attempts (started_at)
  WHERE state IN ('failed', 'recorded');
