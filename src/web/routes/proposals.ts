import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listNotices } from '../../db/notices.js';
import type { Pool } from '../../db/pool.js';
import { getProposal, listProposals, type ProposalStatus } from '../../db/proposals.js';
import { approveProposal, dismissProposal, rejectProposal } from '../../decisions/decisions.js';
import { approvalRisk } from '../../decisions/lifecycle.js';
import { html } from '../../format/html.js';
import { notFound, ReviewError } from '../errors.js';
import { systemHealthSection } from '../views/chief.js';
import { pager } from '../views/pager.js';
import { type DecisionState, proposalDetail, proposalList } from '../views/proposals.js';
import { render } from './common.js';
import { field, form, IdParams, one, pageQuery } from './inputs.js';

const STATUSES = [
  'pending',
  'approved',
  'rejected',
  'refused',
  'superseded',
  'dismissed',
  'no_improvement',
  'not_a_context_problem',
] as const satisfies readonly ProposalStatus[];

/** Absent means pending; any other value outside STATUSES means all of them. */
const ListQuery = pageQuery({
  status: one(z.enum([...STATUSES, 'all']).catch('all')).default('pending'),
  before: one(z.coerce.number().int().positive().optional().catch(undefined)),
});

/** Proposals per page; older ones through the pager's keyset link. */
const PAGE = 50;

const DecideForm = form({
  decision: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.enum(['approve', 'reject', 'dismiss'], {
      error: 'decision must be approve, reject or dismiss',
    }),
  ),
  note: field,
  confirm: field,
});

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
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/proposals', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const { status, before } = req.query;
    const rows = await listProposals(d.pool, {
      ...(status === 'all' ? {} : { status }),
      limit: PAGE,
      beforeId: before,
    });
    const last = rows.at(-1);
    const older =
      rows.length === PAGE && last
        ? `${d.base}/proposals?${new URLSearchParams({ status, before: String(last.id) }).toString()}`
        : undefined;
    return render(req, reply, d.base, {
      title: 'Proposals',
      active: 'proposals',
      body: html`${proposalList(
        d.base,
        rows,
        status,
        systemHealthSection(await listNotices(d.pool, { open: true })),
      )}${pager(`${d.base}/proposals?status=${encodeURIComponent(status)}`, before, older)}`,
    });
  });

  r.get(
    '/proposals/:id',
    { schema: { params: IdParams, querystring: pageQuery() } },
    async (req, reply) => {
      const { id } = req.params;
      return proposalPage(req, reply, id);
    },
  );

  async function proposalPage(
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    st: DecisionState = {},
  ) {
    const p = await getProposal(d.pool, id);
    if (!p) throw notFound(`proposal ${id}`);
    return render(req, reply, d.base, {
      title: `Proposal ${id}`,
      active: 'proposals',
      body: proposalDetail(d.base, req.reviewer, p, st),
    });
  }

  r.post(
    '/proposals/:id/decide',
    { schema: { params: IdParams, body: DecideForm } },
    async (req, reply) => {
      const { id } = req.params;
      const who = req.reviewer;
      if (!who) throw new ReviewError(401, 'login required');
      const { decision, note, confirm } = req.body;
      const decider = {
        reviewer: who.name,
        role: who.role,
        via: 'web' as const,
        note: note || undefined,
      };
      if (decision === 'approve') {
        if (who.role !== 'admin')
          throw new ReviewError(403, 'Only an admin may approve a proposal.');
        const p = await getProposal(d.pool, id);
        if (!p) throw notFound(`proposal ${id}`);
        // The first click only asks: the backtest is on the confirmation, and a
        // risky approval (nothing fixed, anything regressed) needs its reason.
        if (confirm !== 'yes') return proposalPage(req, reply, id, { confirming: true, note });
        const risk = approvalRisk(p);
        if (risk && !note)
          return proposalPage(req, reply.code(400), id, {
            confirming: true,
            error: `A note is required: ${risk}.`,
          });
        await approveProposal(d.pool, id, decider);
        return reply.redirect(`${d.base}/proposals/${id}?done=approved`, 303);
      }
      if (decision === 'dismiss') {
        await dismissProposal(d.pool, id, decider);
        return reply.redirect(`${d.base}/proposals/${id}?done=dismissed`, 303);
      }
      if (!note)
        return proposalPage(req, reply.code(400), id, {
          error: 'A reason is required to reject: the chief of staff and the next lead read it.',
        });
      await rejectProposal(d.pool, id, decider);
      return reply.redirect(`${d.base}/proposals/${id}?done=rejected`, 303);
    },
  );
}
