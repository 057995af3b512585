import { type CostKey, type CostRow, costBy, costDriver, type Range } from '../../db/costs.js';
import type { Queryable } from '../../db/pool.js';
import { int, printable, textTable, usd } from '../../format/display.js';

/**
 * `ticket-qc costs`: model calls ("executions"), tokens and cost by agent,
 * model, day or ticket, with a total that is exactly the sum of the llm_call
 * events in the range, and the biggest cost driver named.
 */

/** A date-only --until means "through that day", as a person reading it would expect. */
export function parseRange(since: string | undefined, until: string | undefined): Range {
  const parse = (v: string, what: string, endOfDay: boolean) => {
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(d.getTime()))
      throw new Error(`${what} must be a date (YYYY-MM-DD) or an ISO time, not "${v}"`);
    return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(d.getTime() + 86_400_000) : d;
  };
  return {
    since: since ? parse(since, '--since', false) : new Date(0),
    until: until ? parse(until, '--until', true) : new Date('9999-12-31T00:00:00Z'),
  };
}

const tokens = (r: CostRow) =>
  r.inputTokens + r.outputTokens + r.cacheWriteTokens + r.cacheReadTokens;

export async function costsReport(
  db: Queryable,
  by: CostKey,
  range: Range,
  limit = Number.POSITIVE_INFINITY,
): Promise<string> {
  const rows = await costBy(db, by, range);
  if (rows.length === 0) return 'no model calls in this range';
  const total = rows.reduce(
    (s, r) => ({
      executions: s.executions + r.executions,
      tokens: s.tokens + tokens(r),
      cost: s.cost + r.costUsd,
    }),
    { executions: 0, tokens: 0, cost: 0 },
  );
  const share = (c: number) => (total.cost > 0 ? `${((100 * c) / total.cost).toFixed(1)}%` : '—');
  const body = rows
    .slice(0, limit)
    .map((r) => [
      r.key,
      int(r.executions),
      int(tokens(r)),
      usd(r.costUsd),
      usd(r.costUsd / r.executions),
      share(r.costUsd),
    ]);
  const table = textTable(
    [by, 'executions', 'tokens', 'cost', 'avg/execution', 'share'],
    [
      ...body,
      [
        'TOTAL',
        int(total.executions),
        int(total.tokens),
        usd(total.cost),
        usd(total.executions ? total.cost / total.executions : 0),
        total.cost > 0 ? '100.0%' : '—',
      ],
    ],
  );
  // The driver is the (agent, purpose, model) that costs most: what to change to spend less.
  const d = await costDriver(db, range);
  const top = rows[0];
  const lines = [table, ''];
  if (rows.length > limit)
    lines.push(
      `${rows.length - limit} more ${by} row(s) not shown (TOTAL counts them; --limit N shows more)`,
    );
  if (top)
    lines.push(
      `Largest ${by}: ${top.key} — ${usd(top.costUsd)} (${share(top.costUsd)} of ${usd(total.cost)})`,
    );
  if (d) {
    lines.push(
      `Biggest cost driver: ${d.agent} · ${d.purpose ?? '?'} · ${d.model ?? '?'} — ${d.n} calls, ${usd(Number(d.cost))} (${share(Number(d.cost))})`,
    );
  }
  // Model and purpose names arrive through POST /events: printed, never interpreted.
  return printable(lines.join('\n'), true);
}
