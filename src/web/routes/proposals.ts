import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../db/pool.js';
import { getProposal, listProposals, type ProposalStatus } from '../../db/proposals.js';
import { approveProposal, rejectProposal } from '../../decisions/decisions.js';
import { notFound, ReviewError } from '../errors.js';
import { diffHead } from '../views/diff.js';
import { proposalDetail, proposalList } from '../views/proposals.js';
import { field, idParam, query, render } from './common.js';

const STATUSES: ProposalStatus[] = ['pending', 'approved', 'rejected', 'refused', 'superseded'];

/**
 * Proposals: the chief of staff's decisions module does the work (one
 * transaction, event and audit row); this file renders and routes. Approval
 * is admin-only, checked here per decision because approve and reject share
 * one form post.
 */
export function registerProposalRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string },
): void {
  app.get('/proposals', async (req, reply) => {
    const q = query(req).status ?? 'pending';
    const status = STATUSES.includes(q as ProposalStatus) ? (q as ProposalStatus) : undefined;
    const rows = await listProposals(d.pool, { ...(status ? { status } : {}), limit: 200 });
    return render(req, reply, d.base, {
      title: 'Proposals',
      active: 'proposals',
      body: proposalList(d.base, rows, status ?? 'all'),
    });
  });

  app.get('/proposals/:id', async (req, reply) => {
    const id = idParam(req);
    const p = await getProposal(d.pool, id);
    if (!p) throw notFound(`proposal ${id}`);
    return render(req, reply, d.base, {
      title: `Proposal ${id}`,
      active: 'proposals',
      head: diffHead(),
      body: proposalDetail(d.base, req.reviewer, p),
    });
  });

  app.post('/proposals/:id/decide', async (req, reply) => {
    const id = idParam(req);
    const who = req.reviewer;
    if (!who) throw new ReviewError(401, 'login required');
    const decision = field(req, 'decision');
    const decider = {
      reviewer: who.name,
      role: who.role,
      via: 'web' as const,
      note: field(req, 'note') || undefined,
    };
    if (decision === 'approve') {
      if (who.role !== 'admin') throw new ReviewError(403, 'Only an admin may approve a proposal.');
      await approveProposal(d.pool, id, decider);
      return reply.redirect(`${d.base}/proposals/${id}?done=approved`, 303);
    }
    if (decision === 'reject') {
      await rejectProposal(d.pool, id, decider);
      return reply.redirect(`${d.base}/proposals/${id}?done=rejected`, 303);
    }
    throw new ReviewError(400, 'decision must be approve or reject');
  });
}
