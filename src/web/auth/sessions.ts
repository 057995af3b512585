import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import {
  insertSession,
  removeSession,
  type SessionRow,
  touchSession,
} from '../../db/review-sessions.js';

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

export async function createSession(
  db: Queryable,
  username: string,
  now: Date,
): Promise<{ token: string; csrf: string }> {
  const token = newToken();
  const csrf = newToken();
  await insertSession(db, {
    id: sha(token),
    username,
    csrf,
    now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  });
  return { token, csrf };
}

export async function findSession(
  db: Queryable,
  token: string,
  now: Date,
): Promise<SessionRow | undefined> {
  return touchSession(db, sha(token), now);
}

export async function deleteSession(db: Queryable, sessionId: string): Promise<void> {
  await removeSession(db, sessionId);
}
