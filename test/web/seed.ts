import { unifiedDiff } from '../../src/context/diff.js';
import type { Verdict } from '../../src/context/verdict.js';
import { type AgentEvent, insertEvents } from '../../src/db/events.js';
import type { Pool } from '../../src/db/pool.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { readJsonl } from '../../src/import/jsonl.js';

/**
 * A small, deterministic review dataset: example tickets with verdicts built
 * from their gold labels, escalations, shadow samples, model calls spread over
 * ten days on two models and three agents, and one pending proposal whose
 * diff applies to the active rubric.
 */

export const HAIKU = 'claude-haiku-4-5-20251001';
export const SONNET = 'claude-sonnet-4-6';
const DAY = 86_400_000;

export interface Seeded {
  ticketIds: number[];
  resultIds: number[];
  escalationIds: number[];
  proposalId: number;
}

export async function seedReview(pool: Pool, now = new Date(), count = 24): Promise<Seeded> {
  const out: Seeded = { ticketIds: [], resultIds: [], escalationIds: [], proposalId: 0 };
  const events: AgentEvent[] = [];
  let i = 0;
  for await (const row of readJsonl('examples/tickets.jsonl')) {
    if (!row.ok || !row.gold) continue;
    if (i >= count) break;
    const { id } = await upsertTicket(pool, row.ticket);
    // A few more escalations than the examples carry, so the list has something to filter.
    const extra =
      i % 5 === 2 && row.gold.escalations.length === 0
        ? [i % 2 ? 'billing_dispute' : 'vip_or_sla_breach']
        : [];
    const g = {
      ...row.gold,
      escalations: [...row.gold.escalations, ...extra],
      outcome: extra.length ? ('escalate' as const) : row.gold.outcome,
    };
    const at = new Date(now.getTime() - (i % 10) * DAY - 3_600_000 * (1 + (i % 5)));
    const verdict: Verdict = {
      outcome: g.outcome,
      score: g.outcome === 'pass' ? 82 + (i % 15) : 40 + (i % 25),
      criteria: Object.entries(g.criteria).map(([criterion, result]) => ({
        criterion,
        result,
        evidence: result === 'met' ? row.ticket.description.slice(0, 70) : '',
        missing:
          result === 'missing' || result === 'partial'
            ? `No ${criterion.replace(/_/g, ' ')} recorded.`
            : '',
      })),
      missing_information: [],
      escalations: g.escalations.map((rule) => ({
        rule,
        reason: `The ticket matches ${rule.replace(/_/g, ' ')}.`,
      })),
      attributions: [],
      patterns: g.patterns,
      confidence: 0.86,
      summary: `Graded from the seed: ${g.outcome}.`,
    };
    // Every fourth ticket was shadowed; the strong model disagrees on one criterion every other time.
    const shadowed = i % 4 === 0;
    const strong = verdict.criteria.map((c, k) => ({
      ...c,
      result: shadowed && i % 8 === 0 && k === 0 ? 'partial' : c.result,
    }));
    const agreement = Object.fromEntries(
      verdict.criteria.map((c, k) => [c.criterion, strong[k]?.result === c.result]),
    );
    const shadow = shadowed
      ? {
          kind: 'shadow',
          model: SONNET,
          agreement,
          agreed: Object.values(agreement).filter(Boolean).length,
          total: strong.length,
          outcomeAgreed: i % 8 !== 0,
          other: strong,
        }
      : null;
    const r = await pool.query<{ id: number }>(
      `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model, tier, shadow, cost_usd, graded_at)
       VALUES ($1, $2, $3, $4, 0.86, $5, $6, $7, $8, 0.004, $9) RETURNING id`,
      [
        id,
        'a'.repeat(64),
        verdict.outcome,
        verdict.score,
        JSON.stringify(verdict),
        i % 6 === 5 ? SONNET : HAIKU,
        i % 6 === 5 ? 'strong' : 'base',
        shadow && JSON.stringify(shadow),
        at,
      ],
    );
    const resultId = r.rows[0]?.id ?? 0;
    for (const e of verdict.escalations) {
      const x = await pool.query<{ id: number }>(
        'INSERT INTO escalations (result_id, ticket_id, rule, reason, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [resultId, id, e.rule, e.reason, at],
      );
      out.escalationIds.push(x.rows[0]?.id ?? 0);
    }
    const call = (
      model: string,
      tier: string,
      purpose: string,
      cost: number,
      agent = 'qc-worker',
    ): AgentEvent => ({
      agent,
      kind: 'llm_call',
      ticketId: id,
      resultId,
      model,
      tier,
      purpose,
      occurredAt: at,
      inputTokens: 900,
      outputTokens: 450,
      cacheCreationTokens: i === 0 ? 5000 : 0,
      cacheReadTokens: i === 0 ? 0 : 5000,
      costUsd: cost,
    });
    events.push(call(HAIKU, 'base', 'grade', 0.0031 + i * 0.0001));
    if (shadowed) events.push(call(SONNET, 'strong', 'shadow', 0.012));
    if (i % 6 === 5) events.push(call(SONNET, 'strong', 'tier_up', 0.011));
    if (i % 7 === 3)
      events.push({
        ...call(SONNET, 'strong', 'chief', 0.045, 'chief-of-staff'),
        ticketId: null,
        resultId: null,
      });
    out.ticketIds.push(id);
    out.resultIds.push(resultId);
    i++;
  }
  await insertEvents(pool, events);
  out.proposalId = await seedProposal(pool, out.ticketIds);
  return out;
}

export async function seedProposal(pool: Pool, ticketIds: number[]): Promise<number> {
  const active = await pool.query<{ version: number; content: string; sha256: string }>(
    `SELECT version, content, sha256 FROM context_versions WHERE file = 'rubric.md' AND active`,
  );
  const cur = active.rows[0];
  if (!cur) throw new Error('no active rubric.md');
  const proposed = cur.content.replace(
    'so a second\ntechnician could pick the ticket up cold.',
    'so a second\ntechnician could pick the ticket up cold. A ticket imported without its\noriginal description is judged on what the imported record shows.',
  );
  if (proposed === cur.content)
    throw new Error('seed proposal: rubric text moved; update the anchor');
  const backtest = {
    kind: 'regrade',
    model: HAIKU,
    contextBefore: 'x',
    contextAfter: 'y',
    costUsd: 0.02,
    summary: { fixed: 2, unchanged: 1, regressed: 0, errors: 0 },
    tickets: ticketIds.slice(0, 3).map((t, k) => ({
      ticketId: t,
      externalId: `EX-${1001 + k}`,
      role: k < 2 ? 'trigger' : 'control',
      reference:
        k < 2
          ? {
              kind: 'result',
              criterion: 'problem_statement',
              expected: 'partial',
              source: 'override',
            }
          : { kind: 'stable' },
      before: {
        outcome: 'fail',
        score: 55,
        confidence: 0.8,
        model: HAIKU,
        result: 'missing',
        repaired: false,
      },
      after: {
        outcome: k < 2 ? 'pass' : 'fail',
        score: 75,
        confidence: 0.8,
        model: HAIKU,
        result: k < 2 ? 'partial' : 'missing',
        repaired: false,
      },
      status: k < 2 ? 'fixed' : 'unchanged',
    })),
  };
  const evidence = {
    agent: 'qc-worker',
    category: 'problem_statement',
    file: 'rubric.md',
    failureCount: 3,
    ticketCount: 3,
    tickets: [
      {
        ticketId: ticketIds[0],
        externalId: 'EX-1001',
        subject: 'SoftPro not opening orders',
        excerpt: 'Imported from ConnectWise…',
        failures: [
          {
            eventId: 1,
            kind: 'override',
            criterion: 'problem_statement',
            from: 'missing',
            to: 'partial',
            note: 'Imported tickets keep no description',
            reviewer: 'alice',
          },
        ],
      },
    ],
  };
  const r = await pool.query<{ id: number }>(
    `INSERT INTO prompt_proposals (agent, category, file, base_version, base_sha256, proposed_content, diff, rationale,
       status, evidence, backtest, model, ticket_count, answer, covered_until)
     VALUES ('qc-worker', 'problem_statement', 'rubric.md', $1, $2, $3, $4, $5, 'pending', $6, $7, $8, 3, 'more_context', now())
     RETURNING id`,
    [
      cur.version,
      cur.sha256,
      proposed,
      unifiedDiff('rubric.md', cur.content, proposed),
      'Three imported tickets were marked missing for problem_statement although the import dropped the description. The rubric should say how to judge imported records.',
      JSON.stringify(evidence),
      JSON.stringify(backtest),
      SONNET,
    ],
  );
  return r.rows[0]?.id ?? 0;
}
