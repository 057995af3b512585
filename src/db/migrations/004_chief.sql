-- Chief of staff, evaluation, overrides.

-- Coverage: a proposal covers the failures of its (agent, category) recorded
-- up to covered_until. Detection only counts failures recorded after the
-- newest watermark of a pending or decided proposal, which keeps the window
-- query on the partial index (agent, category, occurred_at, ticket_id)
-- instead of probing an id list per row. covered_event_ids keeps the exact list.
ALTER TABLE prompt_proposals
  ADD COLUMN covered_until   TIMESTAMPTZ,
  ADD COLUMN answer          TEXT CHECK (answer IN ('more_context', 'rewrite')),
  ADD COLUMN model           TEXT,
  ADD COLUMN cost_usd        NUMERIC(14,8) NOT NULL DEFAULT 0,
  ADD COLUMN ticket_count    INT NOT NULL DEFAULT 0,
  ADD COLUMN base_sha256     TEXT;

-- At most one pending proposal per pair, whatever two chiefs race to do.
CREATE UNIQUE INDEX prompt_proposals_one_pending ON prompt_proposals (agent, category)
  WHERE status = 'pending';
CREATE INDEX prompt_proposals_created_idx ON prompt_proposals (created_at DESC);

-- A team lead overturning a verdict (criterion IS NULL) or one criterion.
CREATE TABLE overrides (
  id          BIGSERIAL PRIMARY KEY,
  ticket_id   BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  result_id   BIGINT      NOT NULL REFERENCES qc_results(id) ON DELETE CASCADE,
  criterion   TEXT,
  original    TEXT        NOT NULL,
  corrected   TEXT        NOT NULL,
  reason      TEXT        NOT NULL,
  evidence    TEXT,
  reviewer    TEXT        NOT NULL,
  event_id    BIGINT,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX overrides_ticket_idx ON overrides (ticket_id, created_at DESC);
CREATE INDEX overrides_created_idx ON overrides (created_at DESC);

-- One evaluation of a labeled set: comparable by model and QC context version.
CREATE TABLE eval_runs (
  id              BIGSERIAL PRIMARY KEY,
  started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at     TIMESTAMPTZ,
  dataset         TEXT        NOT NULL,
  dataset_sha256  TEXT        NOT NULL,
  model           TEXT        NOT NULL,
  strong_model    TEXT        NOT NULL,
  context_version TEXT        NOT NULL,
  file_versions   JSONB       NOT NULL,
  items           INT         NOT NULL DEFAULT 0,
  errors          INT         NOT NULL DEFAULT 0,
  accuracy        NUMERIC(6,4),
  kappa           NUMERIC(6,4),
  criteria_kappa  NUMERIC(6,4),
  per_criterion   JSONB       NOT NULL DEFAULT '{}'::jsonb,
  confusion       JSONB       NOT NULL DEFAULT '{}'::jsonb,
  cost_usd        NUMERIC(14,8) NOT NULL DEFAULT 0,
  latency_p50_ms  INT,
  latency_p95_ms  INT,
  tier_ups        INT         NOT NULL DEFAULT 0
);
CREATE INDEX eval_runs_model_ctx_idx ON eval_runs (model, context_version, started_at DESC);

CREATE TABLE eval_items (
  run_id        BIGINT NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  line          INT    NOT NULL,
  external_id   TEXT   NOT NULL,
  gold_outcome  TEXT   NOT NULL,
  outcome       TEXT,
  score         INT,
  model         TEXT,
  criteria      JSONB  NOT NULL DEFAULT '{}'::jsonb,
  cost_usd      NUMERIC(14,8) NOT NULL DEFAULT 0,
  latency_ms    INT    NOT NULL DEFAULT 0,
  error         TEXT,
  PRIMARY KEY (run_id, line)
);

-- Restores re-activate an earlier row rather than copying it, so the QC
-- context (which names each file's version) is byte-for-byte the old one
-- again and so is its version hash. These say when and by whom.
ALTER TABLE context_versions
  ADD COLUMN activated_at TIMESTAMPTZ,
  ADD COLUMN activated_by TEXT;
