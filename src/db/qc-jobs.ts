import type { Queryable } from './pool.js';

/**
 * A QC job's id is `qc-<sha256(content hash, QC context version)>`
 * (src/queue/jobs.ts). When Redis loses a job's payload (eviction, a partial
 * restore) the id is all that is left; the version it names is found here by
 * recomputing the id for every version still waiting to be graded — the
 * partial index on qc_status keeps that set small.
 */
export interface JobVersion {
  ticketId: number;
  source: string;
  externalId: string;
  contentHash: string;
}

export async function versionForJobId(
  db: Queryable,
  jobId: string,
  contextVersion: string,
): Promise<JobVersion | undefined> {
  const r = await db.query<{
    id: number;
    source: string;
    external_id: string;
    content_hash: string;
  }>(
    `SELECT id, source, external_id, content_hash FROM tickets
      WHERE qc_status IN ('stored', 'queued')
        AND 'qc-' || encode(sha256(convert_to(content_hash || E'\\n' || $2, 'UTF8')), 'hex') = $1
      ORDER BY id DESC LIMIT 1`,
    [jobId, contextVersion],
  );
  const row = r.rows[0];
  return row
    ? {
        ticketId: row.id,
        source: row.source,
        externalId: row.external_id,
        contentHash: row.content_hash,
      }
    : undefined;
}
