import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { QC_AGENT } from '../../context/files.js';
import type { ContextStore } from '../../context/store.js';
import { isKnownCategory, type Vocabulary } from '../../context/vocab.js';
import { type AgentEvent, insertEvents } from '../../db/events.js';
import type { Pool } from '../../db/pool.js';
import { latestTicketId, ticketExists } from '../../db/ticket-refs.js';
import { header, safeEqual } from '../auth.js';
import { ApiError, type Issue, invalidBody } from '../errors.js';
import type { IngestMetrics } from '../metrics.js';
import { parseJson } from './webhooks.js';

/**
 * POST /events — the team's other agents (a triage agent, say) write their
 * own events into agent_events, so the chief of staff counts their failures
 * too. Agents and categories come from the closed vocabularies in context/;
 * free text never becomes a category.
 */

const id = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/)
  .max(64);
const count = z.number().int().min(0).max(100_000_000);

const EventIn = z.strictObject({
  agent: id,
  kind: z.enum(['failure', 'llm_call', 'escalation', 'verdict']),
  category: id.optional(),
  ticketId: z.number().int().positive().optional(),
  ticket: z
    .strictObject({ source: z.string().min(1).max(64), externalId: z.string().min(1).max(200) })
    .optional(),
  model: z.string().min(1).max(100).optional(),
  tier: z.string().min(1).max(32).optional(),
  purpose: z.string().min(1).max(32).optional(),
  inputTokens: count.optional(),
  outputTokens: count.optional(),
  cacheCreationTokens: count.optional(),
  cacheReadTokens: count.optional(),
  costUsd: z.number().min(0).max(10_000).optional(),
  latencyMs: z.number().int().min(0).max(86_400_000).optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  details: z
    .record(z.string(), z.unknown())
    .refine((d) => JSON.stringify(d).length <= 16_384, 'at most 16 KiB of JSON')
    .optional(),
});
type EventIn = z.infer<typeof EventIn>;

const Body = z.union([EventIn, z.strictObject({ events: z.array(EventIn).min(1).max(100) })]);

export interface EventRouteDeps {
  pool: Pool;
  contexts: ContextStore;
  tokens: string[];
  metrics: IngestMetrics;
  now: () => number;
}

function vocabularyIssues(e: EventIn, vocab: Vocabulary, at: string): Issue[] {
  const issues: Issue[] = [];
  const agents = Object.keys(vocab.agents);
  if (e.agent === QC_AGENT || !agents.includes(e.agent)) {
    issues.push({
      path: `${at}agent`,
      message: `not an agent that may write events here (known: ${agents.join(', ') || 'none'})`,
    });
    return issues;
  }
  if (e.kind === 'failure' && !e.category)
    issues.push({ path: `${at}category`, message: 'a failure needs a category' });
  if (e.category) {
    const known =
      e.kind === 'escalation'
        ? vocab.rules.some((r) => r.id === e.category)
        : isKnownCategory(vocab, e.agent, e.category);
    if (!known)
      issues.push({
        path: `${at}category`,
        message: `"${e.category}" is not in ${e.kind === 'escalation' ? 'escalation.md' : `agents/${e.agent}.md`}`,
      });
  }
  if (e.ticketId && e.ticket)
    issues.push({ path: `${at}ticket`, message: 'give ticketId or ticket, not both' });
  return issues;
}

async function resolveTicket(pool: Pool, e: EventIn): Promise<number | null | undefined> {
  if (e.ticketId) return (await ticketExists(pool, e.ticketId)) ? e.ticketId : undefined;
  if (!e.ticket) return null;
  return latestTicketId(pool, e.ticket.source, e.ticket.externalId);
}

export function registerEventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  /**
   * Before the schema sees the body: the bearer token first (nothing is parsed
   * for a caller we do not know), then the raw bytes as JSON. The app keeps
   * every body as bytes for the webhooks' signatures.
   */
  const authenticateThenParse = async (req: FastifyRequest) => {
    if (deps.tokens.length === 0) throw new ApiError('events_not_configured');
    const auth = header(req.headers, 'authorization');
    const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
    let ok = false;
    for (const t of deps.tokens) if (m?.[1] && safeEqual(m[1], t)) ok = true;
    if (!ok) throw new ApiError('unauthorized');
    req.body = parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  };

  const r = app.withTypeProvider<ZodTypeProvider>();
  const route = { preValidation: authenticateThenParse, schema: { body: Body } };
  r.post('/events', route, async (req, reply) => {
    const list = 'events' in req.body ? req.body.events : [req.body];
    const single = !('events' in req.body);
    const vocab = (await deps.contexts.active()).vocab;
    const issues: Issue[] = [];
    const events: AgentEvent[] = [];
    for (const [i, e] of list.entries()) {
      const at = single ? '' : `events.${i}.`;
      const problems = vocabularyIssues(e, vocab, at);
      if (e.occurredAt && Date.parse(e.occurredAt) > deps.now() + 5 * 60_000) {
        problems.push({ path: `${at}occurredAt`, message: 'in the future' });
      }
      const ticketId = problems.length ? null : await resolveTicket(deps.pool, e);
      if (ticketId === undefined)
        problems.push({
          path: `${at}${e.ticketId ? 'ticketId' : 'ticket'}`,
          message: 'no such ticket',
        });
      issues.push(...problems);
      const { ticket: _ref, ticketId: _id, occurredAt, ...rest } = e;
      events.push({
        ...rest,
        ticketId: ticketId ?? null,
        ...(occurredAt ? { occurredAt: new Date(occurredAt) } : {}),
      });
    }
    if (issues.length) throw invalidBody(issues, 'events refused: nothing was written');
    const ids = await insertEvents(deps.pool, events);
    for (const e of events) deps.metrics.events.inc({ agent: e.agent, kind: e.kind });
    return reply.code(201).send({ ids });
  });
}
