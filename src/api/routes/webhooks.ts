import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type IngestDeps, type IngestOutcome, ingestDerived } from '../../queue/intake.js';
import { createIntakeWriter } from '../../queue/intake-writer.js';
import { sha256Hex } from '../../ticket/hash.js';
import { ApiError } from '../errors.js';
import type { IngestMetrics } from '../metrics.js';
import { type EchoIdentity, ownEcho } from '../sources/echo.js';
import type { SourceRegistry } from '../sources/index.js';
import { notInFuture, validateTicket } from '../validate.js';

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
  /** How far in the future a ticket's updatedAt may be (QC_MAX_CLOCK_SKEW). */
  maxClockSkewMs: number;
}

/**
 * Nothing is declared to the framework: the URL's one parameter is always a
 * string (the router's), checked against the registry in onRequest, and the
 * body is the vendor's, kept as raw bytes for the signature and read (JSON,
 * then the adapter's schema) only once that holds. No schema runs per request.
 */
type WebhookRoute = { Params: { source: string } };
type WebhookRequest = FastifyRequest<WebhookRoute>;

/** A metrics label that an unauthenticated caller cannot multiply. */
export function sourceLabel(sources: SourceRegistry, source: string | undefined): string {
  return source && sources.adapterFor(source) ? source : 'unknown';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSON in strict UTF-8. `Buffer.toString` would turn invalid bytes into
 * U+FFFD without notice and the ticket would be graded on altered text: such
 * a body is refused (400 invalid_utf8), with the offset of the first bad byte.
 */
export function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new ApiError(
      'invalid_utf8',
      `the body is not valid UTF-8 (first invalid byte at offset ${firstInvalidUtf8(raw)}): nothing was stored`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The offset of the first byte that does not decode (for the error message only). */
function firstInvalidUtf8(raw: Buffer): number {
  let lo = 0;
  let hi = raw.length;
  // The longest valid prefix, by bisection: decode() is all-or-nothing.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  // The prefix may end inside the sequence that turned out bad: point at its first byte.
  for (let back = 0; back < 4 && lo - back >= 0; back++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(0, lo - back));
      return lo - back;
    } catch {
      // an incomplete sequence at the end: one byte further back
    }
  }
  return lo;
}

/**
 * Answers 202 with the reason when nothing is stored. A function of its own,
 * not a closure made again on every request.
 */
function ignored(deps: WebhookRouteDeps, source: string, reply: FastifyReply, reason: string) {
  deps.metrics.accepted.inc({ source, grading: 'ignored' });
  return reply.code(202).send({ status: 'ignored', reason });
}

export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  // Concurrent deliveries are written in groups, one transaction each.
  const writer = createIntakeWriter(deps.ingest);
  app.post<WebhookRoute>(
    '/webhooks/:source',
    {
      // Refuse before reading the body when the source cannot be accepted at all.
      onRequest: (req: WebhookRequest, _reply, done) => {
        const { source } = req.params;
        deps.metrics.received.inc({ source: sourceLabel(deps.sources, source) });
        if (!deps.sources.adapterFor(source))
          done(new ApiError('unknown_source', `unknown source "${source.slice(0, 64)}"`));
        else if (!deps.secrets[source]?.length)
          done(
            new ApiError(
              'source_not_configured',
              `no WEBHOOK_SECRET_${source.toUpperCase()} configured: refused`,
            ),
          );
        else done();
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
      if (echo) return ignored(deps, source, reply, echo);
      const mapped = await adapter.map(body, { source, headers: req.headers, fetch: deps.fetch });
      if (mapped.kind === 'ignored') return ignored(deps, source, reply, mapped.reason);
      const prefix = adapter.canonicalBody ? '' : 'ticket';
      const bodySha256 = sha256Hex(raw);
      let out: IngestOutcome;
      if (mapped.kind === 'derived') {
        const externalId = mapped.externalId;
        const r = await ingestDerived(deps.ingest, {
          source,
          externalId,
          deliveryId: mapped.deliveryId,
          bodySha256,
          derive: (latest) => {
            const t = mapped.apply(latest);
            return 'ignored' in t
              ? t
              : notInFuture(validateTicket(t, prefix), prefix, deps.now(), deps.maxClockSkewMs);
          },
        });
        if ('ignored' in r) return ignored(deps, source, reply, r.ignored);
        out = r;
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
      } else {
        const ticket = notInFuture(
          validateTicket(mapped.ticket, prefix),
          prefix,
          deps.now(),
          deps.maxClockSkewMs,
        );
        // The writer logs one line per group ('webhooks stored'), with each request's id.
        out = await writer.write({
          ticket,
          deliveryId: mapped.deliveryId,
          bodySha256,
          reqId: req.id,
        });
      }
      deps.metrics.accepted.inc({ source, grading: out.grading });
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
