-- Issue 13, point 6: history at scale (a million imported rows in two minutes).
--
-- 1. The triage work list was filled by a FOR EACH ROW trigger on tickets: a
--    PL/pgSQL call, an INSERT and a NOTIFY per stored version, which cost more
--    than the import's own insert. It becomes one statement per INSERT over the
--    transition table, with the same outcome: the first version of a help-desk
--    ticket (lowest id among the rows a statement inserts; a pair already on
--    the list keeps its row) becomes a pending request, and listeners are
--    woken once per statement instead of once per row (the triage loop reads
--    the list, never the payload).
-- 2. The canonical ticket (a few KB of JSON, usually over the TOAST threshold)
--    is compressed with lz4 instead of pglz where the server was built with it:
--    several times faster to compress and read, about as small. Existing
--    values keep their compression until rewritten.

DROP TRIGGER triage_request_on_first_version ON tickets;
DROP FUNCTION triage_request_on_first_version();

CREATE FUNCTION triage_requests_on_first_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  first_id BIGINT;
BEGIN
  WITH added AS (
    INSERT INTO triage_requests (source, external_id, ticket_id)
    SELECT DISTINCT ON (source, external_id) source, external_id, id
      FROM new_versions
     ORDER BY source, external_id, id
    ON CONFLICT (source, external_id) DO NOTHING
    RETURNING ticket_id
  )
  SELECT min(ticket_id) INTO first_id FROM added;
  IF first_id IS NOT NULL THEN
    PERFORM pg_notify('triage_requests', first_id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER triage_request_on_first_version AFTER INSERT ON tickets
  REFERENCING NEW TABLE AS new_versions
  FOR EACH STATEMENT EXECUTE FUNCTION triage_requests_on_first_versions();

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings
              WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE tickets ALTER COLUMN ticket SET COMPRESSION lz4;
  END IF;
END $$;
