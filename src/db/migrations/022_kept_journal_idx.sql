-- The journals requeued entries keep for their realtime jobs (021): every
-- batch pass looks for the ones no job can need any more and drops them
-- (db/batches.ts dropSpentJournals). Few rows hold one at any time, so the
-- pass reads this small index instead of scanning batch_requests.

CREATE INDEX batch_requests_kept_journal_idx ON batch_requests (ticket_id, context_version)
  WHERE journal_kept AND journal IS NOT NULL;
