import { applyDiff, unifiedDiff } from '../context/diff.js';
import { activateNewVersion, type ContextFile } from '../context/store.js';
import { audit } from '../db/audit.js';
import {
  activeVersionForUpdate,
  getVersion,
  listVersions,
  reactivateVersion,
  type VersionRow,
} from '../db/context-versions.js';
import { insertEvents } from '../db/events.js';
import { LOCKS, lockForTransaction } from '../db/locks.js';
import { type Pool, withTransaction } from '../db/pool.js';
import {
  getProposal,
  markApproved,
  markClosed,
  markSuperseded,
  type Proposal,
  pendingOfFile,
  rebaseProposal,
  supersedePending,
} from '../db/proposals.js';
import { type ProposalState, refusal } from './lifecycle.js';

/**
 * Team-lead decisions on proposals and context versions, shared by the CLI
 * and the review pages. Each runs in one transaction with the proposal row
 * locked, records who decided and why, and writes a `proposal` event.
 *
 * - approve: the proposed file becomes a new active version (workers pick it
 *   up on their next job, and the prompt-cache prefix changes with it);
 *   every other pending proposal for the same file is re-checked against the
 *   new text: one whose change still applies cleanly is rebased onto it and
 *   stays pending, the others are closed as superseded with the reason.
 * - reject / dismiss: any open proposal (lifecycle.ts); it keeps covering
 *   its tickets, so the same pair fires again only after N new tickets fail.
 * - restore: any earlier version of a file becomes the active one again
 *   (the same row, re-activated; who and when are recorded).
 */

export class DecisionError extends Error {
  override name = 'DecisionError';
  constructor(
    message: string,
    readonly code: 'not_found' | 'not_pending' | 'stale' | 'bad_request',
  ) {
    super(message);
  }
}

export interface Decider {
  reviewer: string;
  note?: string | undefined;
  /** Where the decision was made, for the review audit log (default: the CLI). */
  via?: 'web' | 'cli';
  role?: string;
}

/** Every decision also lands in the reviewers' audit log, in the same transaction. */
function auditOf(
  db: Parameters<typeof audit>[0],
  d: Decider,
  action: string,
  target: string,
  details: Record<string, unknown>,
) {
  return audit(db, {
    actor: d.reviewer,
    role: d.role ?? (d.via === 'web' ? 'reviewer' : 'operator'),
    via: d.via ?? 'cli',
    action,
    target,
    note: d.note,
    details,
  });
}

function requireReviewer(d: Decider): void {
  if (!d.reviewer.trim()) throw new DecisionError('a reviewer name is required', 'bad_request');
}

async function lockFor(
  db: Parameters<typeof getProposal>[0],
  id: number,
  to: ProposalState,
): Promise<Proposal> {
  const p = await getProposal(db, id, { forUpdate: true });
  if (!p) throw new DecisionError(`no proposal #${id}`, 'not_found');
  const why = refusal('lead', id, p.status, to);
  if (why) throw new DecisionError(why, 'not_pending');
  return p;
}

/**
 * Re-checks the file's other pending proposals against the version just
 * activated: a change that still applies is rebased (stays pending, same
 * backtest, noted), one that does not is closed as superseded with why.
 */
async function recheckSiblings(
  db: Parameters<typeof getProposal>[0],
  approved: Proposal,
  version: ContextFile,
): Promise<{ rebased: number[]; superseded: number[] }> {
  const out = { rebased: [] as number[], superseded: [] as number[] };
  for (const s of await pendingOfFile(db, approved.file, approved.id)) {
    const applied = s.diff ? applyDiff(version.content, s.diff) : false;
    if (applied !== false && applied !== version.content) {
      await rebaseProposal(db, s.id, {
        baseVersion: version.version,
        baseSha256: version.sha256,
        proposedContent: applied,
        diff: unifiedDiff(s.file, version.content, applied),
        note: `rebased onto v${version.version} after proposal #${approved.id} was approved; its backtest ran on v${s.baseVersion}`,
      });
      out.rebased.push(s.id);
    } else {
      await markSuperseded(
        db,
        s.id,
        applied === version.content
          ? `closed: proposal #${approved.id} (v${version.version}) already makes this change`
          : `closed: its diff conflicts with v${version.version} from proposal #${approved.id}; the pair fires again only if new tickets fail under v${version.version}`,
      );
      out.superseded.push(s.id);
    }
  }
  return out;
}

export async function approveProposal(
  pool: Pool,
  id: number,
  d: Decider,
): Promise<{ proposal: Proposal; version: ContextFile; superseded: number[]; rebased: number[] }> {
  requireReviewer(d);
  return withTransaction(pool, async (db) => {
    const p = await lockFor(db, id, 'approved');
    const current = await activeVersionForUpdate(db, p.file);
    if (!current || current.version !== p.baseVersion || !p.proposedContent || !p.diff) {
      throw new DecisionError(
        `context/${p.file} changed since proposal #${id} was made (base v${p.baseVersion}, ` +
          `active v${current?.version ?? '?'}); reject it and let the chief propose again`,
        'stale',
      );
    }
    // What the reviewer read is exactly what gets activated.
    const applied = applyDiff(current.content, p.diff);
    if (applied === false || applied !== p.proposedContent) {
      throw new DecisionError(`proposal #${id}'s diff no longer applies cleanly`, 'stale');
    }
    const version = await activateNewVersion(db, {
      file: p.file,
      content: p.proposedContent,
      author: d.reviewer,
      note: `proposal #${id}${d.note ? `: ${d.note}` : ''}`,
    });
    await markApproved(db, id, {
      reviewer: d.reviewer,
      note: d.note ?? null,
      createdVersion: version.version,
    });
    const { superseded, rebased } = await recheckSiblings(db, p, version);
    await decisionEvent(db, 'approved', p, d, { version: version.version, superseded, rebased });
    await auditOf(db, d, 'proposal.approve', `proposal:${id}`, {
      file: p.file,
      version: version.version,
    });
    return {
      proposal: { ...p, status: 'approved' },
      version,
      superseded,
      rebased,
    };
  });
}

/** Rejects any open proposal (pending, or closed by the system without a lead's word). */
export function rejectProposal(pool: Pool, id: number, d: Decider): Promise<Proposal> {
  return closeProposal(pool, id, 'rejected', d);
}

/** Dismisses any open proposal: closed, no verdict on its content; quiet like a rejection. */
export function dismissProposal(pool: Pool, id: number, d: Decider): Promise<Proposal> {
  return closeProposal(pool, id, 'dismissed', d);
}

async function closeProposal(
  pool: Pool,
  id: number,
  status: 'rejected' | 'dismissed',
  d: Decider,
): Promise<Proposal> {
  requireReviewer(d);
  return withTransaction(pool, async (db) => {
    const p = await lockFor(db, id, status);
    await markClosed(db, id, { status, reviewer: d.reviewer, note: d.note ?? null });
    await decisionEvent(db, status, p, d, { was: p.status });
    await auditOf(
      db,
      d,
      status === 'rejected' ? 'proposal.reject' : 'proposal.dismiss',
      `proposal:${id}`,
      {
        file: p.file,
        was: p.status,
      },
    );
    return { ...p, status };
  });
}

export { listVersions, type VersionRow };

/**
 * Makes an earlier version of a file active again. The old row itself is
 * re-activated (not copied), so the QC context is byte-for-byte what it was
 * and carries the same context version — results graded under it before
 * count as graded for it again.
 */
export async function restoreVersion(
  pool: Pool,
  args: Decider & { file: string; version: number },
): Promise<ContextFile> {
  requireReviewer(args);
  return withTransaction(pool, async (db) => {
    await lockForTransaction(db, LOCKS.contextFile(args.file));
    const row = await getVersion(db, args.file, args.version);
    if (!row) throw new DecisionError(`no version ${args.version} of ${args.file}`, 'not_found');
    if (row.active) {
      throw new DecisionError(`v${args.version} of ${args.file} is already active`, 'bad_request');
    }
    const replaced = await reactivateVersion(db, {
      file: args.file,
      version: args.version,
      by: args.reviewer,
    });
    // Pending proposals were diffed against the text being replaced.
    await supersedePending(db, args.file, `superseded: v${args.version} restored`);
    const details = {
      file: args.file,
      restored: args.version,
      replaced,
      reviewer: args.reviewer,
      note: args.note ?? null,
    };
    await insertEvents(db, [
      { agent: 'reviewer', kind: 'proposal', category: 'restored', details },
    ]);
    await auditOf(db, args, 'context.restore', `context:${args.file}`, details);
    return { file: row.file, version: row.version, content: row.content, sha256: row.sha256 };
  });
}

async function decisionEvent(
  db: Parameters<typeof insertEvents>[0],
  decision: 'approved' | 'rejected' | 'dismissed',
  p: Proposal,
  d: Decider,
  extra: Record<string, unknown>,
): Promise<void> {
  await insertEvents(db, [
    {
      agent: 'reviewer',
      kind: 'proposal',
      category: decision,
      details: {
        proposalId: p.id,
        agent: p.agent,
        category: p.category,
        file: p.file,
        reviewer: d.reviewer,
        note: d.note ?? null,
        ...extra,
      },
    },
  ]);
}
