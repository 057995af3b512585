-- Issue 12: cost.
--
-- Lanes: every stored ticket version is graded either in the realtime lane
-- (webhooks, /events: the reconciler queues it on the full-price queue) or in
-- the batch lane (import, history: `batch run` and the nightly job grade it
-- through the Message Batches API at half price). A live webhook delivering
-- the same content moves a version to realtime; a new version from a webhook
-- is realtime. Rows stored before this migration stay realtime (as before).
ALTER TABLE tickets ADD COLUMN lane TEXT NOT NULL DEFAULT 'realtime'
  CHECK (lane IN ('realtime', 'batch'));

-- Second opinions earned: one row each time an escalation rule that asks for
-- a second opinion fired on the base model's verdict. `sampled` says whether
-- the strong model graded too (and then whether it kept the base outcome);
-- rows not sampled are the money saved.
CREATE TABLE second_opinions (
  id             BIGSERIAL PRIMARY KEY,
  rule           TEXT        NOT NULL,
  ticket_id      BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  result_id      BIGINT      REFERENCES qc_results(id) ON DELETE CASCADE,
  occurred_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  sampled        BOOLEAN     NOT NULL,
  outcome_agreed BOOLEAN,
  -- The probability the row was sampled with (1 = always-on).
  sample_rate    NUMERIC(5,4) NOT NULL,
  strong_cost_usd NUMERIC(14,8) NOT NULL DEFAULT 0,
  CHECK (sampled OR outcome_agreed IS NULL)
);
CREATE INDEX second_opinions_rule_idx ON second_opinions (rule, id DESC) WHERE sampled;
CREATE INDEX second_opinions_time_idx ON second_opinions (occurred_at);

-- A reviewer-confirmed disagreement restores always-on for a rule: the
-- agreement history before the reset no longer counts.
CREATE TABLE second_opinion_resets (
  id        BIGSERIAL PRIMARY KEY,
  rule      TEXT        NOT NULL,
  reset_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  reason    TEXT        NOT NULL,
  actor     TEXT        NOT NULL
);
CREATE INDEX second_opinion_resets_rule_idx ON second_opinion_resets (rule, reset_at DESC);
