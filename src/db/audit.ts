import type { Queryable } from './pool.js';

/** The reviewer actions log: who did what, from where, with which note. */

export interface AuditEntry {
  actor: string;
  role: string;
  via: 'web' | 'cli' | 'system';
  action: string;
  target?: string | undefined;
  note?: string | undefined;
  details?: Record<string, unknown>;
}

export interface AuditRow extends Required<Omit<AuditEntry, 'target' | 'note'>> {
  id: number;
  at: Date;
  target: string | null;
  note: string | null;
}

export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO review_audit (actor, role, via, action, target, note, details)
     VALUES ($1, $2, $3, $4, $5, $6,
             $7::jsonb || CASE WHEN current_setting('application_name') LIKE 'ticket-qc-cli reviewer-from=%'
                               THEN jsonb_build_object('reviewerFrom', split_part(current_setting('application_name'), '=', 2))
                               ELSE '{}'::jsonb END)`,
    [
      e.actor,
      e.role,
      e.via,
      e.action,
      e.target ?? null,
      e.note ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  limit?: number;
  beforeId?: number | undefined;
}

export async function listAudit(db: Queryable, f: AuditFilter = {}): Promise<AuditRow[]> {
  const where: string[] = ['true'];
  const params: unknown[] = [];
  if (f.actor) where.push(`actor = $${params.push(f.actor)}`);
  if (f.action) where.push(`action LIKE $${params.push(`${f.action}%`)}`);
  if (f.target) where.push(`target = $${params.push(f.target)}`);
  if (f.beforeId) where.push(`id < $${params.push(f.beforeId)}`);
  const r = await db.query<AuditRow>(
    `SELECT id, at, actor, role, via, action, target, note, details FROM review_audit
     WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit ?? 100)}`,
    params,
  );
  return r.rows;
}
