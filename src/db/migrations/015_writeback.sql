-- Issue 15: write-back to the help desk (an outbox, delivered by the
-- writeback queue) and the triage agent's results.

-- One row per note we mean to write: a QC result or a triage result. Written
-- in the same transaction as the result, so nothing graded is ever lost to a
-- crash between the commit and the queue. UNIQUE per (ticket version, context
-- version, kind): a redelivery or retry of the same grade adds nothing.
CREATE TABLE writeback_outbox (
  id              BIGSERIAL PRIMARY KEY,
  kind            TEXT        NOT NULL CHECK (kind IN ('qc', 'triage')),
  ticket_id       BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  source          TEXT        NOT NULL,
  external_id     TEXT        NOT NULL,
  context_version TEXT        NOT NULL,
  result_id       BIGINT      REFERENCES qc_results(id) ON DELETE CASCADE,
  triage_id       BIGINT,
  via             TEXT        NOT NULL DEFAULT 'realtime',
  status          TEXT        NOT NULL DEFAULT 'pending' CHECK (status IN
                    ('pending', 'queued', 'sending', 'delivered', 'skipped', 'failed', 'off')),
  -- What the note says, reduced to what matters (outcome, score, criteria not
  -- met, escalation rules): equal fingerprints → nothing new to tell.
  fingerprint     TEXT,
  -- 'new' or 'updated' once decided; the rendered note as sent.
  note_kind       TEXT,
  note            TEXT,
  -- Steps already done (note, tags…): a retry never repeats a done step.
  steps_done      TEXT[]      NOT NULL DEFAULT '{}',
  attempts        INT         NOT NULL DEFAULT 0,
  retries         INT         NOT NULL DEFAULT 0,
  reason          TEXT,
  vendor_status   INT,
  vendor_answer   TEXT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  delivered_at    TIMESTAMPTZ,
  UNIQUE (ticket_id, context_version, kind)
);
CREATE INDEX writeback_outbox_pending_idx ON writeback_outbox (created_at) WHERE status = 'pending';
CREATE INDEX writeback_outbox_ticket_idx ON writeback_outbox (source, external_id, kind, id);

-- Wake the relay at commit; it also polls, so a missed notification only delays.
CREATE FUNCTION writeback_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('writeback_outbox', NEW.id::text);
  RETURN NEW;
END $$;
CREATE TRIGGER writeback_outbox_notify AFTER INSERT ON writeback_outbox
  FOR EACH ROW EXECUTE FUNCTION writeback_outbox_notify();

-- The triage agent's check of a ticket's creation state: one per
-- (ticket, triage context version).
CREATE TABLE triage_results (
  id              BIGSERIAL PRIMARY KEY,
  ticket_id       BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  source          TEXT        NOT NULL,
  external_id     TEXT        NOT NULL,
  context_version TEXT        NOT NULL,
  missing         TEXT[]      NOT NULL DEFAULT '{}',
  question        TEXT,
  result          JSONB       NOT NULL,
  model           TEXT        NOT NULL,
  cost_usd        NUMERIC(14,8) NOT NULL DEFAULT 0,
  latency_ms      INT         NOT NULL DEFAULT 0,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (ticket_id, context_version)
);
CREATE INDEX triage_results_external_idx ON triage_results (source, external_id);

-- Tickets whose first version arrived: the triage loop's work list. Filled by
-- a trigger so intake needs no change; one row per (source, external_id).
CREATE TABLE triage_requests (
  source       TEXT        NOT NULL,
  external_id  TEXT        NOT NULL,
  ticket_id    BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  status       TEXT        NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'queued', 'done', 'skipped', 'failed')),
  reason       TEXT,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (source, external_id)
);
CREATE INDEX triage_requests_pending_idx ON triage_requests (created_at) WHERE status = 'pending';

CREATE FUNCTION triage_request_on_first_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO triage_requests (source, external_id, ticket_id)
  VALUES (NEW.source, NEW.external_id, NEW.id)
  ON CONFLICT (source, external_id) DO NOTHING;
  IF FOUND THEN
    PERFORM pg_notify('triage_requests', NEW.id::text);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER triage_request_on_first_version AFTER INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION triage_request_on_first_version();

-- Triage cost and verdicts are agent_events rows with agent 'triage'; the
-- purpose vocabulary gains 'triage' (a free-text column, no constraint to change).

-- Installations seeded before issue 15: the active triage prompt gains its
-- "Intake check" section (what the live triage agent checks) as a new version,
-- as an approval would; a fresh database is seeded from context/ with it.
DO $$
DECLARE
  cur context_versions%ROWTYPE;
  section TEXT := '## Intake check

Before the technician starts, check whether intake gathered what they need
to begin without going back to the customer. Judge only the ticket as it
arrived: the subject, the description and the customer''s own first
messages. Record each field that is absent:

- `affected_user` — who is affected: a name, a role, or how many people.
- `device` — which device, system, application or mailbox is involved.
- `impact` — what the user cannot do, and how badly work is blocked.
- `steps_tried` — what the customer already tried (restart, another device…).
- `contact_window` — when and how to reach the customer.

If anything is missing, suggest exactly one short, polite question the
technician can send the customer that asks for the missing facts together.
Ask nothing that the ticket already answers, and never ask for a password.

';
  revised TEXT;
BEGIN
  SELECT * INTO cur FROM context_versions WHERE file = 'agents/triage.md' AND active;
  IF NOT FOUND OR position('## Intake check' IN cur.content) > 0 THEN
    RETURN;
  END IF;
  IF position('## Failure categories' IN cur.content) > 0 THEN
    revised := replace(cur.content, '## Failure categories', section || '## Failure categories');
  ELSE
    revised := cur.content || E'\n\n' || section;
  END IF;
  UPDATE context_versions SET active = false WHERE id = cur.id;
  INSERT INTO context_versions (file, version, content, sha256, author, note, active)
  VALUES ('agents/triage.md', cur.version + 1, revised, encode(sha256(convert_to(revised, 'UTF8')), 'hex'),
          'migration 015', 'issue 15: the triage agent runs live; its intake check', true);
END $$;
