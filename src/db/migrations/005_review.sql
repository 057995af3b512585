-- Team-lead review: login sessions, the audit log of reviewer actions, and
-- budget periods (warning sent, queue paused, resumed by whom).

-- The cookie carries a random token; only its sha256 is stored, so a copy of
-- this table does not hand out live sessions. The role is not stored: it is
-- read from REVIEW_USERS on every request, so removing a user or demoting an
-- admin takes effect at once.
CREATE TABLE review_sessions (
  id            TEXT        PRIMARY KEY,       -- sha256(cookie token), hex
  username      TEXT        NOT NULL,
  csrf_token    TEXT        NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_sessions_expires_idx ON review_sessions (expires_at);

-- Every reviewer action, from the web pages and the CLI, with who did it.
CREATE TABLE review_audit (
  id          BIGSERIAL   PRIMARY KEY,
  at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor       TEXT        NOT NULL,
  role        TEXT        NOT NULL,            -- reviewer | admin | operator (CLI) | system
  via         TEXT        NOT NULL CHECK (via IN ('web', 'cli', 'system')),
  action      TEXT        NOT NULL,            -- e.g. escalation.resolve, proposal.approve
  target      TEXT,                            -- e.g. escalation:12, proposal:3, queue:qc
  note        TEXT,
  details     JSONB       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX review_audit_at_idx ON review_audit (at DESC);
CREATE INDEX review_audit_actor_idx ON review_audit (actor, at DESC);

-- One row per budget period that reached a threshold. The UPDATE … WHERE
-- warned_at IS NULL claims make a warning or a pause happen once even when
-- several processes check at the same moment.
CREATE TABLE budget_periods (
  period      TEXT        NOT NULL CHECK (period IN ('day', 'month')),
  starts_on   DATE        NOT NULL,            -- in QC_TZ
  limit_usd   NUMERIC(14,4) NOT NULL,
  warned_at   TIMESTAMPTZ,
  paused_at   TIMESTAMPTZ,
  resumed_at  TIMESTAMPTZ,
  resumed_by  TEXT,                            -- an admin's name, or 'rollover'
  PRIMARY KEY (period, starts_on)
);
CREATE INDEX budget_periods_open_pause_idx ON budget_periods (paused_at)
  WHERE paused_at IS NOT NULL AND resumed_at IS NULL;
