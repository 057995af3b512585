-- Issue 16: the review pages a team lead lives in.
--
-- 1. ticket_index: one row per help-desk ticket (source, external_id) that has
--    been graded, describing its newest graded version and that version's
--    newest result. The Tickets page pages through it with a keyset on
--    (ticket_at, id), so page 5,000 costs what page 1 costs at a million rows.
--    Triggers keep it current from every write path (realtime, batch, tests
--    that insert rows directly): a result, an escalation or an override
--    recomputes the one row of its ticket from the indexed base tables.
-- 2. One open escalation per help-desk ticket: an escalation raised on a newer
--    version closes the open ones of older versions, with a reason and an
--    audit row; one raised on an older version than an existing escalation is
--    born closed.

CREATE TABLE ticket_index (
  id               BIGSERIAL   PRIMARY KEY,
  source           TEXT        NOT NULL,
  external_id      TEXT        NOT NULL,
  ticket_id        BIGINT      NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  result_id        BIGINT      NOT NULL REFERENCES qc_results(id) ON DELETE CASCADE,
  subject          TEXT        NOT NULL,
  technician       TEXT,
  technician_key   TEXT,
  customer         TEXT,
  category         TEXT,
  outcome          TEXT        NOT NULL,
  score            INT         NOT NULL,
  missed           TEXT[]      NOT NULL DEFAULT '{}',
  escalated        BOOLEAN     NOT NULL DEFAULT false,
  open_escalation  BOOLEAN     NOT NULL DEFAULT false,
  overridden       BOOLEAN     NOT NULL DEFAULT false,
  context_version  TEXT        NOT NULL,
  versions         INT         NOT NULL DEFAULT 1,
  ticket_at        TIMESTAMPTZ NOT NULL,
  graded_at        TIMESTAMPTZ NOT NULL,
  search           TSVECTOR    NOT NULL DEFAULT ''::tsvector,
  UNIQUE (source, external_id)
);
-- The unfiltered list, newest ticket first, and its keyset.
CREATE INDEX ticket_index_at_idx ON ticket_index (ticket_at DESC, id DESC);
-- The common filters keep the same order, so a filtered page is an index range too.
CREATE INDEX ticket_index_outcome_idx ON ticket_index (outcome, ticket_at DESC, id DESC);
CREATE INDEX ticket_index_technician_idx ON ticket_index (technician_key, ticket_at DESC, id DESC);
CREATE INDEX ticket_index_category_idx ON ticket_index (category, ticket_at DESC, id DESC);
CREATE INDEX ticket_index_escalated_idx ON ticket_index (ticket_at DESC, id DESC) WHERE escalated;
CREATE INDEX ticket_index_overridden_idx ON ticket_index (ticket_at DESC, id DESC) WHERE overridden;
CREATE INDEX ticket_index_search_idx ON ticket_index USING GIN (search);
CREATE INDEX ticket_index_external_idx ON ticket_index (lower(external_id));

-- Rebuilds the row of one help-desk ticket from the base tables.
CREATE FUNCTION ticket_index_refresh(p_source TEXT, p_external_id TEXT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  h RECORD;
  n INT;
BEGIN
  SELECT t.id AS ticket_id, t.subject, t.ticket, t.assignee, t.assignee_key, t.ticket_updated_at,
         r.id AS result_id, r.outcome, r.score, r.verdict, r.context_version, r.graded_at
    INTO h
    FROM tickets t JOIN qc_results r ON r.ticket_id = t.id
   WHERE t.source = p_source AND t.external_id = p_external_id
   ORDER BY t.ticket_updated_at DESC, t.id DESC, r.graded_at DESC, r.id DESC
   LIMIT 1;
  IF NOT FOUND THEN
    DELETE FROM ticket_index WHERE source = p_source AND external_id = p_external_id;
    RETURN;
  END IF;
  SELECT count(*) INTO n FROM tickets WHERE source = p_source AND external_id = p_external_id;
  INSERT INTO ticket_index AS x (source, external_id, ticket_id, result_id, subject, technician,
      technician_key, customer, category, outcome, score, missed, escalated, open_escalation,
      overridden, context_version, versions, ticket_at, graded_at, search)
  SELECT p_source, p_external_id, h.ticket_id, h.result_id, h.subject,
         nullif(h.assignee, 'unknown'),
         coalesce(h.assignee_key, CASE WHEN h.assignee IS NOT NULL AND h.assignee <> 'unknown'
                                       THEN p_source || ':name:' || h.assignee END),
         coalesce(h.ticket->'requester'->>'name', h.ticket->'requester'->>'email', h.ticket->>'organization'),
         h.ticket->>'category', h.outcome, h.score,
         coalesce((SELECT array_agg(c->>'criterion' ORDER BY c->>'criterion')
                     FROM jsonb_array_elements(h.verdict->'criteria') c
                    WHERE c->>'result' IN ('missing', 'partial')), '{}'),
         EXISTS (SELECT 1 FROM escalations e WHERE e.result_id = h.result_id),
         EXISTS (SELECT 1 FROM escalations e JOIN tickets t2 ON t2.id = e.ticket_id
                  WHERE t2.source = p_source AND t2.external_id = p_external_id AND e.status <> 'resolved'),
         EXISTS (SELECT 1 FROM overrides o WHERE o.result_id = h.result_id),
         h.context_version, n,
         coalesce((h.ticket->>'createdAt')::timestamptz, h.ticket_updated_at), h.graded_at,
         to_tsvector('simple', coalesce(h.subject, '') || ' ' || p_external_id || ' ' ||
           coalesce(h.assignee, '') || ' ' ||
           coalesce(h.ticket->'requester'->>'name', '') || ' ' || coalesce(h.ticket->'requester'->>'email', '') || ' ' ||
           coalesce(h.ticket->>'organization', '') || ' ' || coalesce(h.ticket->>'category', ''))
  ON CONFLICT (source, external_id) DO UPDATE SET
    ticket_id = EXCLUDED.ticket_id, result_id = EXCLUDED.result_id, subject = EXCLUDED.subject,
    technician = EXCLUDED.technician, technician_key = EXCLUDED.technician_key,
    customer = EXCLUDED.customer, category = EXCLUDED.category, outcome = EXCLUDED.outcome,
    score = EXCLUDED.score, missed = EXCLUDED.missed, escalated = EXCLUDED.escalated,
    open_escalation = EXCLUDED.open_escalation, overridden = EXCLUDED.overridden,
    context_version = EXCLUDED.context_version, versions = EXCLUDED.versions,
    ticket_at = EXCLUDED.ticket_at, graded_at = EXCLUDED.graded_at, search = EXCLUDED.search;
END $$;

CREATE FUNCTION ticket_index_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k RECORD;
  tid BIGINT;
BEGIN
  tid := CASE WHEN TG_OP = 'DELETE' THEN OLD.ticket_id ELSE NEW.ticket_id END;
  SELECT source, external_id INTO k FROM tickets WHERE id = tid;
  -- A cascade from a deleted ticket: ticket_index's own foreign key removes the row.
  IF FOUND THEN PERFORM ticket_index_refresh(k.source, k.external_id); END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER ticket_index_results AFTER INSERT OR UPDATE OR DELETE ON qc_results
  FOR EACH ROW EXECUTE FUNCTION ticket_index_on_change();
CREATE TRIGGER ticket_index_overrides AFTER INSERT OR DELETE ON overrides
  FOR EACH ROW EXECUTE FUNCTION ticket_index_on_change();

-- One open escalation per help-desk ticket. Runs before ticket_index's trigger
-- on escalations (triggers fire in name order), so the index sees the outcome.
CREATE FUNCTION escalations_one_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  me RECORD;
  newer BIGINT;
  closed RECORD;
BEGIN
  SELECT source, external_id, ticket_updated_at, id INTO me FROM tickets WHERE id = NEW.ticket_id;
  -- Two versions graded at once: one decides at a time.
  PERFORM pg_advisory_xact_lock(hashtextextended('escalation:' || me.source || '/' || me.external_id, 16));
  IF NEW.status <> 'resolved' THEN
    -- Raised on an older version than one already escalated: born closed.
    SELECT e.id INTO newer FROM escalations e JOIN tickets t ON t.id = e.ticket_id
     WHERE t.source = me.source AND t.external_id = me.external_id AND e.id <> NEW.id
       AND (t.ticket_updated_at, t.id) > (me.ticket_updated_at, me.id)
     ORDER BY t.ticket_updated_at DESC, t.id DESC LIMIT 1;
    IF newer IS NOT NULL THEN
      UPDATE escalations SET status = 'resolved', resolved_by = 'system', updated_at = now(),
             resolution_note = 'superseded: escalation #' || newer || ' was raised on a newer version of this ticket'
       WHERE id = NEW.id;
      INSERT INTO review_audit (actor, role, via, action, target, note, details)
      VALUES ('system', 'system', 'system', 'escalation.supersede', 'escalation:' || NEW.id,
              'superseded by escalation #' || newer || ' (newer version)', jsonb_build_object('by', newer));
      RETURN NULL;
    END IF;
  END IF;
  FOR closed IN
    UPDATE escalations e SET status = 'resolved', resolved_by = 'system', updated_at = now(),
           resolution_note = 'superseded: escalation #' || NEW.id || ' was raised on a newer version of this ticket'
      FROM tickets t
     WHERE t.id = e.ticket_id AND t.source = me.source AND t.external_id = me.external_id
       AND e.status <> 'resolved' AND e.id <> NEW.id
       AND (t.ticket_updated_at, t.id) < (me.ticket_updated_at, me.id)
    RETURNING e.id
  LOOP
    INSERT INTO review_audit (actor, role, via, action, target, note, details)
    VALUES ('system', 'system', 'system', 'escalation.supersede', 'escalation:' || closed.id,
            'superseded by escalation #' || NEW.id || ' (newer version)', jsonb_build_object('by', NEW.id));
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER escalations_a_one_open AFTER INSERT ON escalations
  FOR EACH ROW EXECUTE FUNCTION escalations_one_open();
CREATE TRIGGER escalations_b_ticket_index AFTER INSERT OR UPDATE OR DELETE ON escalations
  FOR EACH ROW EXECUTE FUNCTION ticket_index_on_change();

-- Existing data: close the open escalations of versions older than the newest
-- escalated version of their ticket, then fill the index.
WITH ranked AS (
  SELECT e.id, first_value(e.id) OVER w AS keep,
         first_value(e.ticket_id) OVER w AS keep_ticket, e.ticket_id
    FROM escalations e JOIN tickets t ON t.id = e.ticket_id
  WINDOW w AS (PARTITION BY t.source, t.external_id ORDER BY t.ticket_updated_at DESC, t.id DESC, e.id)
), closed AS (
  UPDATE escalations e SET status = 'resolved', resolved_by = 'system', updated_at = now(),
         resolution_note = 'superseded: escalation #' || r.keep || ' was raised on a newer version of this ticket'
    FROM ranked r
   WHERE r.id = e.id AND r.ticket_id <> r.keep_ticket AND e.status <> 'resolved'
  RETURNING e.id, r.keep
)
INSERT INTO review_audit (actor, role, via, action, target, note, details)
SELECT 'system', 'system', 'system', 'escalation.supersede', 'escalation:' || id,
       'superseded by escalation #' || keep || ' (newer version)', jsonb_build_object('by', keep)
  FROM closed;

SELECT ticket_index_refresh(source, external_id)
  FROM (SELECT DISTINCT t.source, t.external_id FROM tickets t JOIN qc_results r ON r.ticket_id = t.id) k;
