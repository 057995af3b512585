-- Core schema: tickets (versioned), context versions, results, escalations,
-- the observability table, and prompt proposals.

CREATE TABLE tickets (
  id            BIGSERIAL PRIMARY KEY,
  source        TEXT        NOT NULL,
  external_id   TEXT        NOT NULL,
  content_hash  TEXT        NOT NULL,
  status        TEXT        NOT NULL,          -- the help desk's status
  qc_status     TEXT        NOT NULL DEFAULT 'stored'
                CHECK (qc_status IN ('stored', 'queued', 'graded', 'superseded', 'skipped', 'failed')),
  assignee      TEXT,
  subject       TEXT        NOT NULL,
  ticket        JSONB       NOT NULL,          -- the canonical Ticket
  ticket_updated_at TIMESTAMPTZ NOT NULL,
  received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (source, external_id, content_hash)
);
CREATE INDEX tickets_latest_idx ON tickets (source, external_id, ticket_updated_at DESC, id DESC);
CREATE INDEX tickets_qc_status_idx ON tickets (qc_status) WHERE qc_status IN ('stored', 'queued');

-- Gold labels for evaluation are kept apart from the ticket.
CREATE TABLE gold_labels (
  ticket_id   BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
  gold        JSONB NOT NULL,
  origin      TEXT  NOT NULL DEFAULT 'import',  -- import | review
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE context_versions (
  id          BIGSERIAL PRIMARY KEY,
  file        TEXT        NOT NULL,            -- e.g. rubric.md, agents/triage.md
  version     INT         NOT NULL,
  content     TEXT        NOT NULL,
  sha256      TEXT        NOT NULL,
  author      TEXT        NOT NULL,
  note        TEXT,
  active      BOOLEAN     NOT NULL DEFAULT false,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (file, version)
);
CREATE UNIQUE INDEX context_versions_one_active ON context_versions (file) WHERE active;

CREATE TABLE qc_results (
  id                  BIGSERIAL PRIMARY KEY,
  ticket_id           BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  context_version     TEXT        NOT NULL,    -- sha256 of the cached QC prefix
  outcome             TEXT        NOT NULL CHECK (outcome IN ('pass', 'fail', 'escalate')),
  score               INT         NOT NULL CHECK (score BETWEEN 0 AND 100),
  confidence          NUMERIC(4,3) NOT NULL,
  verdict             JSONB       NOT NULL,
  model               TEXT        NOT NULL,    -- the model whose verdict stands
  tier                TEXT        NOT NULL CHECK (tier IN ('base', 'strong')),
  tier_reason         TEXT,
  shadow              JSONB,                   -- shadow grading: model, agreement per criterion
  cost_usd            NUMERIC(14,8) NOT NULL DEFAULT 0,
  latency_ms          INT         NOT NULL DEFAULT 0,
  via                 TEXT        NOT NULL DEFAULT 'realtime',
  job_id              TEXT,
  graded_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (ticket_id, context_version)
);
CREATE INDEX qc_results_graded_at_idx ON qc_results (graded_at);

CREATE TABLE escalations (
  id            BIGSERIAL PRIMARY KEY,
  result_id     BIGINT      NOT NULL REFERENCES qc_results(id) ON DELETE CASCADE,
  ticket_id     BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  rule          TEXT        NOT NULL,
  reason        TEXT        NOT NULL,
  status        TEXT        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  resolved_by   TEXT,
  resolution_note TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (result_id, rule)
);
CREATE INDEX escalations_status_idx ON escalations (status, created_at DESC);

-- The observability table every agent writes and the chief of staff reads.
CREATE TABLE agent_events (
  id            BIGSERIAL PRIMARY KEY,
  occurred_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  agent         TEXT        NOT NULL,
  kind          TEXT        NOT NULL CHECK (kind IN
                  ('llm_call', 'verdict', 'failure', 'escalation', 'override', 'proposal', 'budget')),
  category      TEXT,
  ticket_id     BIGINT      REFERENCES tickets(id) ON DELETE SET NULL,
  result_id     BIGINT      REFERENCES qc_results(id) ON DELETE SET NULL,
  model         TEXT,
  tier          TEXT,
  purpose       TEXT,        -- grade | repair | shadow | backtest | eval | chief | batch
  input_tokens  INT NOT NULL DEFAULT 0,
  output_tokens INT NOT NULL DEFAULT 0,
  cache_creation_input_tokens INT NOT NULL DEFAULT 0,
  cache_read_input_tokens     INT NOT NULL DEFAULT 0,
  cost_usd      NUMERIC(14,8) NOT NULL DEFAULT 0,
  latency_ms    INT,
  context_version TEXT,
  job_id        TEXT,
  details       JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX agent_events_occurred_idx ON agent_events (occurred_at);
CREATE INDEX agent_events_ticket_idx ON agent_events (ticket_id);
-- The chief of staff's window query: failures by (agent, category) since T.
CREATE INDEX agent_events_failures_idx ON agent_events (agent, category, occurred_at, ticket_id)
  WHERE kind = 'failure';
CREATE INDEX agent_events_llm_calls_idx ON agent_events (occurred_at, agent, model)
  WHERE kind = 'llm_call';

CREATE TABLE prompt_proposals (
  id            BIGSERIAL PRIMARY KEY,
  agent         TEXT        NOT NULL,
  category      TEXT        NOT NULL,
  file          TEXT        NOT NULL,
  base_version  INT         NOT NULL,
  proposed_content TEXT,
  diff          TEXT,
  rationale     TEXT,
  status        TEXT        NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected', 'refused', 'superseded')),
  refusal_reason TEXT,
  covered_event_ids BIGINT[] NOT NULL DEFAULT '{}',
  evidence      JSONB NOT NULL DEFAULT '{}'::jsonb,
  backtest      JSONB,
  decided_by    TEXT,
  decision_note TEXT,
  decided_at    TIMESTAMPTZ,
  created_version INT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX prompt_proposals_pair_idx ON prompt_proposals (agent, category, status);
