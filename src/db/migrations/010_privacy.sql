-- Issue 10: personal data. Retention erases tickets whose newest version
-- arrived before the window; this index keeps that daily scan cheap.
CREATE INDEX tickets_received_idx ON tickets (received_at);
