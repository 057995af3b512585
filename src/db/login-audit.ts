import type { Queryable } from './pool.js';

/**
 * Failed logins are audited one row per burst (web/auth/throttle.ts): the
 * first failure inserts the row, later ones raise its count and last time.
 */
export async function insertLoginBurst(
  db: Queryable,
  e: { actor: string; action: string; ip: string; at: Date },
): Promise<number> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO review_audit (at, actor, role, via, action, details)
     VALUES ($1, $2, 'unknown', 'web', $3, $4) RETURNING id`,
    [
      e.at,
      e.actor,
      e.action,
      JSON.stringify({
        ip: e.ip,
        count: 1,
        firstAt: e.at.toISOString(),
        lastAt: e.at.toISOString(),
      }),
    ],
  );
  return Number(r.rows[0]?.id);
}

export async function bumpLoginBurst(
  db: Queryable,
  id: number,
  b: { count: number; ip: string; at: Date },
): Promise<void> {
  await db.query(
    `UPDATE review_audit
        SET details = details || jsonb_build_object('count', $2::int, 'lastAt', $3::text,
              'ips', (SELECT to_jsonb(array(SELECT DISTINCT x FROM unnest(
                 ARRAY(SELECT jsonb_array_elements_text(coalesce(details->'ips', jsonb_build_array(details->>'ip'))))
                 || ARRAY[$4::text]) x LIMIT 20))))
      WHERE id = $1`,
    [id, b.count, b.at.toISOString(), b.ip],
  );
}
