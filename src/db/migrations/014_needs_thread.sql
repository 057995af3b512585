-- Issue 14: vendor payloads as vendors send them.
--
-- 'needs_thread': a version in a grading status whose conversation the source
-- did not send and could not be fetched. It is not graded (grading it would
-- only say cannot_judge) until a later webhook or fetch brings the thread, or
-- until QC_NEEDS_THREAD_TIMEOUT passes; then it goes back to 'stored' and the
-- reconciler queues it.
ALTER TABLE tickets DROP CONSTRAINT IF EXISTS tickets_qc_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_qc_status_check
  CHECK (qc_status IN ('stored', 'queued', 'graded', 'superseded', 'skipped', 'failed', 'needs_thread'));
ALTER TABLE tickets ADD COLUMN needs_thread_since TIMESTAMPTZ;
CREATE INDEX tickets_needs_thread_idx ON tickets (needs_thread_since) WHERE qc_status = 'needs_thread';

-- Scorecards group by a stable person key, not by a display string: two
-- technicians may share a name, one technician's name may change, and a
-- source without API access knows only an id (its display name "unknown").
ALTER TABLE tickets ADD COLUMN assignee_key TEXT;
UPDATE tickets SET assignee_key = CASE
    WHEN ticket->'assignee'->>'id' IS NOT NULL THEN source || ':id:' || (ticket->'assignee'->>'id')
    WHEN ticket->'assignee'->>'email' IS NOT NULL THEN 'email:' || lower(ticket->'assignee'->>'email')
    WHEN ticket->'assignee'->>'name' IS NOT NULL THEN source || ':name:' || (ticket->'assignee'->>'name')
  END
WHERE ticket ? 'assignee';

-- Jira Server/DC comment events carry no issue object, only the numeric issue
-- id (in comment.self): the stored issue is found by it.
CREATE INDEX tickets_jira_issue_id_idx ON tickets (source, (ticket->'customFields'->>'issue_id'))
  WHERE ticket->'customFields' ? 'issue_id';
