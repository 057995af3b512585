import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';

/**
 * Server-side sessions: the (signed) cookie holds a random token, the table
 * holds its sha256 and the session's CSRF token. Logging out deletes the row,
 * which a purely signed cookie could not do.
 */

export const SESSION_COOKIE = 'tqc_session';
/** Readable by scripts on purpose: Bull Board's axios echoes it as X-XSRF-TOKEN. */
export const CSRF_COOKIE = 'XSRF-TOKEN';
/** Binds the login form to the browser that fetched it (login CSRF). */
export const LOGIN_COOKIE = 'tqc_login';
export const SESSION_TTL_MS = 12 * 3_600_000;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

export interface SessionRow {
  id: string;
  username: string;
  csrf: string;
}

export async function createSession(
  db: Queryable,
  username: string,
  now: Date,
): Promise<{ token: string; csrf: string }> {
  const token = newToken();
  const csrf = newToken();
  await db.query(
    `INSERT INTO review_sessions (id, username, csrf_token, created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $4, $4, $5)`,
    [sha(token), username, csrf, now, new Date(now.getTime() + SESSION_TTL_MS)],
  );
  // Expired rows are swept here rather than by a timer: logins are rare and cheap.
  await db.query('DELETE FROM review_sessions WHERE expires_at < $1', [now]);
  return { token, csrf };
}

export async function findSession(
  db: Queryable,
  token: string,
  now: Date,
): Promise<SessionRow | undefined> {
  const r = await db.query<SessionRow>(
    `UPDATE review_sessions SET last_seen_at = $2
     WHERE id = $1 AND expires_at > $2
     RETURNING id, username, csrf_token AS csrf`,
    [sha(token), now],
  );
  return r.rows[0];
}

export async function deleteSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('DELETE FROM review_sessions WHERE id = $1', [sessionId]);
}
