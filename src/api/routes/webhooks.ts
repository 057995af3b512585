import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type IngestDeps,
  type IngestOutcome,
  ingestDerived,
  ingestTicket,
} from '../../queue/intake.js';
import { ApiError } from '../errors.js';
import type { IngestMetrics } from '../metrics.js';
import { type EchoIdentity, ownEcho } from '../sources/echo.js';
import type { SourceRegistry } from '../sources/index.js';
import { validateTicket } from '../validate.js';

/**
 * POST /webhooks/:source — verify the signature over the exact raw bytes,
 * parse, map the vendor payload to a Ticket, store it, then queue it. The
 * order matters: nothing is parsed before it is authenticated, and nothing
 * is acknowledged before it is in PostgreSQL.
 */

export interface WebhookRouteDeps {
  sources: SourceRegistry;
  secrets: Record<string, string[]>;
  ingest: IngestDeps;
  metrics: IngestMetrics;
  fetch: typeof fetch;
  now: () => number;
  /** Our integration users: their changes come back as webhooks and are not new versions. */
  echo?: EchoIdentity;
}

/**
 * Only the URL is declared: the body is the vendor's, kept as raw bytes for the
 * signature, and read (JSON, then the adapter's schema) only once that holds.
 */
const Params = z.object({ source: z.string() });

type WebhookRequest = FastifyRequest<{ Params: z.infer<typeof Params> }>;

/** A metrics label that an unauthenticated caller cannot multiply. */
export function sourceLabel(sources: SourceRegistry, source: string | undefined): string {
  return source && sources.adapterFor(source) ? source : 'unknown';
}

export function parseJson(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/:source',
    {
      schema: { params: Params },
      // Refuse before reading the body when the source cannot be accepted at all.
      onRequest: async (req: WebhookRequest) => {
        const { source } = req.params;
        deps.metrics.received.inc({ source: sourceLabel(deps.sources, source) });
        if (!deps.sources.adapterFor(source))
          throw new ApiError('unknown_source', `unknown source "${source.slice(0, 64)}"`);
        if (!deps.secrets[source]?.length)
          throw new ApiError(
            'source_not_configured',
            `no WEBHOOK_SECRET_${source.toUpperCase()} configured: refused`,
          );
      },
    },
    async (req: WebhookRequest, reply) => {
      const { source } = req.params;
      const adapter = deps.sources.adapterFor(source);
      const secrets = deps.secrets[source] ?? [];
      if (!adapter || secrets.length === 0) throw new ApiError('unknown_source');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

      const auth = adapter.verify({ headers: req.headers, raw }, secrets, deps.now());
      if (!auth.ok) throw new ApiError(auth.code);

      const body = parseJson(raw);
      const echo = ownEcho(source, body, deps.echo);
      if (echo) {
        deps.metrics.accepted.inc({ source, grading: 'ignored' });
        return reply.code(202).send({ status: 'ignored', reason: echo });
      }
      const mapped = await adapter.map(body, { source, headers: req.headers, fetch: deps.fetch });
      const ignored = (reason: string) => {
        deps.metrics.accepted.inc({ source, grading: 'ignored' });
        return reply.code(202).send({ status: 'ignored', reason });
      };
      if (mapped.kind === 'ignored') return ignored(mapped.reason);
      const prefix = adapter.canonicalBody ? '' : 'ticket';
      const bodySha256 = createHash('sha256').update(raw).digest('hex');
      let out: IngestOutcome;
      let externalId: string;
      if (mapped.kind === 'derived') {
        externalId = mapped.externalId;
        const r = await ingestDerived(deps.ingest, {
          source,
          externalId,
          deliveryId: mapped.deliveryId,
          bodySha256,
          derive: (latest) => {
            const t = mapped.apply(latest);
            return 'ignored' in t ? t : validateTicket(t, prefix);
          },
        });
        if ('ignored' in r) return ignored(r.ignored);
        out = r;
      } else {
        const ticket = validateTicket(mapped.ticket, prefix);
        externalId = ticket.externalId;
        out = await ingestTicket(deps.ingest, {
          ticket,
          deliveryId: mapped.deliveryId,
          bodySha256,
        });
      }
      deps.metrics.accepted.inc({ source, grading: out.grading });
      req.log.info(
        {
          source,
          externalId,
          ticketId: out.ticketId,
          newVersion: out.newVersion,
          grading: out.grading,
        },
        'webhook accepted',
      );
      return reply.code(202).send({
        status: 'accepted',
        ticketId: out.ticketId,
        version: out.version,
        newVersion: out.newVersion,
        grading: out.grading,
      });
    },
  );
}
