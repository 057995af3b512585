import type { Queryable } from './pool.js';

/**
 * The review pages' server-side sessions. Rows are keyed by the sha256 of the
 * cookie's token (the caller hashes it): a leaked table cannot be replayed.
 */

export interface SessionRow {
  id: string;
  username: string;
  csrf: string;
}

/** Stores a new session and sweeps expired ones (logins are rare and cheap: no timer needed). */
export async function insertSession(
  db: Queryable,
  s: { id: string; username: string; csrf: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO review_sessions (id, username, csrf_token, created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $4, $4, $5)`,
    [s.id, s.username, s.csrf, s.now, s.expiresAt],
  );
  await db.query('DELETE FROM review_sessions WHERE expires_at < $1', [s.now]);
}

/** The live session with this id, its last use moved to `now`; undefined when gone or expired. */
export async function touchSession(
  db: Queryable,
  id: string,
  now: Date,
): Promise<SessionRow | undefined> {
  const r = await db.query<SessionRow>(
    `UPDATE review_sessions SET last_seen_at = $2
     WHERE id = $1 AND expires_at > $2
     RETURNING id, username, csrf_token AS csrf`,
    [id, now],
  );
  return r.rows[0];
}

export async function removeSession(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM review_sessions WHERE id = $1', [id]);
}
