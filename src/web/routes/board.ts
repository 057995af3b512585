import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { recordResume } from '../../budget/control.js';
import { audit } from '../../db/audit.js';
import type { Pool } from '../../db/pool.js';

/** Removes <link>s to font services outside our origin (Bull Board's IBM Plex from Google). */
export function stripExternalFonts(page: string): string {
  return page.replace(
    /<link[^>]+href="https:\/\/fonts\.(googleapis|gstatic)\.com[^"]*"[^>]*>/g,
    '',
  );
}

/**
 * Bull Board at /review/queues, behind the same guard as every page (its
 * writes are admin-only: see the guard's onRoute hook). Its own pause and
 * resume act on the queue directly, so they are recorded here afterwards —
 * a resume from the board lifts a budget stop exactly like ours does.
 */
export async function registerBoard(
  app: FastifyInstance,
  d: { pool: Pool; queue: Queue; base: string },
): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(`${d.base}/queues`);
  createBullBoard({
    queues: [new BullMQAdapter(d.queue)],
    serverAdapter: adapter,
    options: {
      uiConfig: {
        boardTitle: 'ticket-qc queues',
        hideDocsLink: true,
        miscLinks: [{ text: '← Review pages', url: `${d.base}/escalations` }],
      },
    },
  });
  await app.register(async (board) => {
    // Bull Board's page links a Google font: it fails offline and tells Google who
    // looked at the queues. The page falls back to the system font; nothing leaves our origin.
    board.addHook('onSend', async (_req, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (typeof payload !== 'string' || !type.includes('text/html')) return payload;
      return stripExternalFonts(payload);
    });
    board.addHook('onResponse', async (req, reply) => {
      const who = req.reviewer;
      if (!who || ['GET', 'HEAD', 'OPTIONS'].includes(req.method) || reply.statusCode >= 400)
        return;
      const actor = { name: who.name, role: who.role, via: 'web' as const };
      const url = req.routeOptions.url ?? req.url;
      if (url.endsWith('/resume'))
        await recordResume(d.pool, d.queue.name, actor, 'from Bull Board');
      else
        await audit(d.pool, {
          ...actor,
          actor: who.name,
          action: 'board.action',
          target: `queue:${d.queue.name}`,
          details: { method: req.method, url: req.url },
        });
    });
    await board.register(adapter.registerPlugin(), { prefix: '/queues' });
  });
}
