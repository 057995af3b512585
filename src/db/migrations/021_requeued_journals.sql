-- A batch entry requeued with replies already paid for keeps its journal for
-- the realtime job (src/batches/requeued.ts). Neither state nor round tells
-- that journal from the one a pending follow-up of round > 1 carries (the one
-- it was built from, its reply still to come): a requeue is still `pending`
-- between storing the journal and settling the request (its job may start
-- first), and a follow-up's requeue is round > 1. The journal's own flag does:
-- true only for a journal stored for a requeued entry's realtime job.

ALTER TABLE batch_requests ADD COLUMN journal_kept BOOLEAN NOT NULL DEFAULT false;

-- Journals stored before the flag: a requeued row's; a pending first-round
-- row's (only a requeue stores one there); a pending follow-up's that a
-- requeue replaced (a follow-up's journal names the request it was built for,
-- a requeue's never does: src/batches/ingest.ts journalFor).
UPDATE batch_requests SET journal_kept = true
WHERE journal IS NOT NULL
  AND (state = 'requeued' OR (state = 'pending' AND (round = 1 OR NOT journal ? 'request')));
