import { type ContextFile, type ContextSnapshot, snapshotOf } from '../context/store.js';
import { allVersions, type HistoryRow } from '../db/context-versions.js';
import type { Queryable } from '../db/pool.js';
import { type QcContext, qcContextOf } from '../qc/context.js';

/**
 * Which QC context an evaluation grades with:
 * - nothing or `active`: the active versions;
 * - a QC context version (the sha256 stored on every result, or a prefix of
 *   at least 6 hex digits): rebuilt from context_versions history — every
 *   activation adds a row, so replaying the rows in order passes through
 *   every context the workers ever had;
 * - `file@N[,file@N…]` (e.g. `rubric.md@3`): the active versions with those
 *   files swapped, to try a version before (or after) approving it.
 */

export class ContextVersionError extends Error {
  override name = 'ContextVersionError';
}

type Row = HistoryRow;

/** Every activation in order: each row when created, and again when a restore re-activated it. */
function activations(rows: Row[]): Row[] {
  const at = (r: Row, t: Date) => ({ r, t: t.getTime() });
  return [
    ...rows.map((r) => at(r, r.created_at)),
    ...rows.filter((r) => r.activated_at).map((r) => at(r, r.activated_at as Date)),
  ]
    .sort((a, b) => a.t - b.t || a.r.id - b.r.id)
    .map((x) => x.r);
}

function tryContext(state: Map<string, ContextFile>): QcContext | undefined {
  try {
    return qcContextOf(snapshotOf([...state.values()]));
  } catch {
    return undefined; // e.g. halfway through seeding: not every file exists yet
  }
}

export async function resolveContext(
  db: Queryable,
  spec: string | undefined,
  active: ContextSnapshot,
): Promise<QcContext> {
  if (!spec || spec === 'active') return qcContextOf(active);
  const rows = await allVersions(db);
  if (/^[0-9a-f]{6,64}$/i.test(spec)) {
    const want = spec.toLowerCase();
    const state = new Map<string, ContextFile>();
    const seen = new Set<string>();
    for (const row of activations(rows)) {
      state.set(row.file, row);
      const ctx = tryContext(state);
      if (ctx && !seen.has(ctx.version)) {
        seen.add(ctx.version);
        if (ctx.version.startsWith(want)) return ctx;
      }
    }
    throw new ContextVersionError(`no QC context version starts with ${spec}`);
  }
  const state = new Map([...active.files].map(([f, v]) => [f, v] as const));
  for (const part of spec.split(',').map((s) => s.trim())) {
    const m = /^(.+\.md)@(\d+)$/.exec(part);
    if (!m?.[1]) {
      throw new ContextVersionError(
        `--context-version: expected "active", a QC context sha, or file@N; got "${part}"`,
      );
    }
    const row = rows.find((r) => r.file === m[1] && r.version === Number(m[2]));
    if (!row) throw new ContextVersionError(`no version ${m[2]} of ${m[1]}`);
    state.set(row.file, row);
  }
  return qcContextOf(snapshotOf([...state.values()]));
}
