-- Issue 11: the proposal lifecycle, operator notices, evidence strength, eval by rule.

-- States a proposal may be in (src/decisions/lifecycle.ts is the one place
-- that says how they move). New: dismissed (a lead closed it without a verdict
-- on the content), no_improvement (its backtest fixed nothing or regressed a
-- control: recorded, never offered), not_a_context_problem (the chief said so).
ALTER TABLE prompt_proposals DROP CONSTRAINT IF EXISTS prompt_proposals_status_check;
ALTER TABLE prompt_proposals ADD CONSTRAINT prompt_proposals_status_check CHECK (status IN
  ('pending', 'approved', 'rejected', 'refused', 'superseded', 'dismissed', 'no_improvement',
   'not_a_context_problem'));
ALTER TABLE prompt_proposals DROP CONSTRAINT IF EXISTS prompt_proposals_answer_check;
ALTER TABLE prompt_proposals ADD CONSTRAINT prompt_proposals_answer_check
  CHECK (answer IN ('more_context', 'rewrite', 'not_a_context_problem'));

-- The tickets (source || ' ' || external_id) whose failures a proposal saw:
-- a decided pair stays quiet until QC_CHIEF_THRESHOLD tickets outside this
-- set fail again, so a regrade of the same tickets never re-fires it.
ALTER TABLE prompt_proposals
  ADD COLUMN covered_tickets TEXT[] NOT NULL DEFAULT '{}',
  ADD COLUMN strength JSONB;

-- Operational failures (invalid output, API faults, timeouts, budget stops)
-- are not context problems: they go to an operator, never to a proposal.
CREATE TABLE operator_notices (
  id              BIGSERIAL PRIMARY KEY,
  agent           TEXT        NOT NULL,
  category        TEXT        NOT NULL,
  tickets         INT         NOT NULL,
  failures        INT         NOT NULL,
  covered_tickets TEXT[]      NOT NULL DEFAULT '{}',
  covered_until   TIMESTAMPTZ NOT NULL,
  first_at        TIMESTAMPTZ NOT NULL,
  last_at         TIMESTAMPTZ NOT NULL,
  details         JSONB       NOT NULL DEFAULT '{}'::jsonb,
  acknowledged_by TEXT,
  acknowledged_at TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX operator_notices_pair_idx ON operator_notices (agent, category, covered_until DESC);
CREATE INDEX operator_notices_open_idx ON operator_notices (created_at DESC)
  WHERE acknowledged_at IS NULL;

-- Escalation rules each evaluated ticket raised, for recall/precision per rule.
ALTER TABLE eval_items ADD COLUMN escalations JSONB NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE eval_runs ADD COLUMN by_rule JSONB NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN auto_fail JSONB NOT NULL DEFAULT '{}'::jsonb;
