/**
 * The chief's detection query at 1 million and 10 million agent_events rows,
 * in a database of its own (bench/db.ts: uniquely named on the server of
 * DATABASE_URL, dropped afterwards). BENCH_DETECT_SIZES (comma-separated row
 * counts) runs smaller sizes on a busy machine.
 *
 * Rows are generated with INSERT … SELECT generate_series: a realistic mix
 * (about 55 % llm_call, 30 % verdict, 10 % failure, the rest escalations),
 * spread over 90 days, failures over the closed vocabulary's pairs. Indexes
 * are dropped during the load and rebuilt after (as a bulk load would). The
 * events name 200,000 ticket rows, stored first: detection counts distinct
 * help-desk tickets (source, external id) through a join with tickets, and
 * 150,000 of them have a second version, so a ticket's failures on two
 * versions count once. The foreign keys are dropped in this throwaway
 * database so the load does not check each row; that changes no plan.
 *
 * A size at which detection finds no pair is an error, not a figure: the
 * bench once measured an empty join for two weeks (its events named tickets
 * that did not exist once detection began joining them).
 *
 * Baseline, measured in the same run: the naive form of the same question —
 * one GROUP BY over the window with index scans disabled, i.e. a full scan.
 */
import { vocabularyPairs } from '../src/chief/detect.js';
import { ContextStore } from '../src/context/store.js';
import { DETECT_SQL, detectParams } from '../src/db/failures.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { COVERING } from '../src/decisions/lifecycle.js';
import { createBenchDb } from './db.js';
import type { SummaryRow } from './report.js';

const SIZES = (process.env.BENCH_DETECT_SIZES ?? '1000000,10000000')
  .split(',')
  .map((x) => Number(x.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const TICKETS = 200_000;
const RUNS = 7;
const BASELINE_RUNS = 3;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function indexDefs(pool: Pool): Promise<{ name: string; def: string }[]> {
  const r = await pool.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE tablename = 'agent_events' AND indexname <> 'agent_events_pkey'`,
  );
  return r.rows.map((x) => ({ name: x.indexname, def: x.indexdef }));
}

/** Appends `n` generated rows, ids continuing from `from`. */
async function load(
  pool: Pool,
  from: number,
  n: number,
  pairs: { agent: string; category: string }[],
) {
  const agents = pairs.map((p) => p.agent);
  const categories = pairs.map((p) => p.category);
  await pool.query(
    `INSERT INTO agent_events (occurred_at, agent, kind, category, ticket_id, model, purpose)
     SELECT now() - ((g::bigint * 2654435761) % 7776000) * interval '1 second',
            CASE WHEN g % 20 = 0 THEN ($1::text[])[1 + (g / 20) % $3] ELSE 'qc-worker' END,
            CASE WHEN g % 20 IN (0, 10) THEN 'failure'
                 WHEN g % 20 = 19 THEN 'escalation'
                 WHEN g % 20 < 12 THEN 'llm_call' ELSE 'verdict' END,
            CASE WHEN g % 20 = 0 THEN ($2::text[])[1 + (g / 20) % $3]
                 WHEN g % 20 = 10 THEN ($2::text[])[1 + ((g::bigint * 40503) % $3)::int]
                 ELSE NULL END,
            1 + (g::bigint * 48271) % ${TICKETS},
            'claude-haiku-4-5-20251001', 'grade'
     FROM generate_series($4::bigint, $5::bigint) AS g`,
    [agents, categories, pairs.length, from, from + n - 1],
  );
}

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const db = await createBenchDb('detect', { contextDir: 'context' });
  const pool = createPool(db.url, { max: 2 });
  const rows: string[] = [];
  const summary: SummaryRow[] = [];
  try {
    const vocab = (await new ContextStore(pool).active()).vocab;
    const pairs = vocabularyPairs(vocab);
    // Failures are charged to every pair, half of them to the QC worker's own kinds.
    await pool.query(
      'ALTER TABLE agent_events DROP CONSTRAINT IF EXISTS agent_events_ticket_id_fkey',
    );
    await pool.query(
      'ALTER TABLE agent_events DROP CONSTRAINT IF EXISTS agent_events_result_id_fkey',
    );
    // Ticket ids 1..TICKETS; versions of one help-desk ticket share its external id.
    await pool.query(
      `INSERT INTO tickets (id, source, external_id, content_hash, status, subject, ticket, ticket_updated_at)
       SELECT g, 'generic', 'DET-' || (g % 150000), md5(g::text), 'solved', 'bench', '{}'::jsonb,
              now() - (g % 1000) * interval '1 minute'
       FROM generate_series(1, ${TICKETS}) AS g`,
    );
    await pool.query(`SELECT setval(pg_get_serial_sequence('tickets', 'id'), ${TICKETS})`);
    await pool.query('ANALYZE tickets');
    const defs = await indexDefs(pool);
    let loaded = 0;
    for (const size of SIZES) {
      for (const d of defs) await pool.query(`DROP INDEX IF EXISTS ${d.name}`);
      const [loadMs] = await timed(() => load(pool, loaded + 1, size - loaded, pairs));
      const [indexMs] = await timed(async () => {
        for (const d of defs) await pool.query(d.def);
        await pool.query('VACUUM (ANALYZE) agent_events');
      });
      loaded = size;
      const now = new Date();
      const params = detectParams(pairs, {
        now,
        windowMs: 7 * 86_400_000,
        threshold: 3,
        covering: COVERING,
      });
      const window = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM agent_events WHERE kind = 'failure' AND occurred_at >= $1`,
        [params[2]],
      );
      const detect: number[] = [];
      let found = 0;
      await pool.query(DETECT_SQL, params); // warm the cache
      for (let i = 0; i < RUNS; i++) {
        const [ms, r] = await timed(() => pool.query(DETECT_SQL, params));
        detect.push(ms);
        found = r.rowCount ?? 0;
      }
      if (found === 0)
        throw new Error(
          `detect found no pair at ${size} rows (${window.rows[0]?.n} failures in the window): it measured nothing`,
        );
      const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${DETECT_SQL}`, params);
      const planText = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      const node = /Index Only Scan using agent_events_failures_idx/.test(planText)
        ? 'index-only scan of agent_events_failures_idx'
        : /agent_events_failures_idx/.test(planText)
          ? 'index scan of agent_events_failures_idx'
          : 'no partial index (!)';
      const baseline: number[] = [];
      const client = await pool.connect();
      try {
        await client.query('SET enable_indexscan = off');
        await client.query('SET enable_indexonlyscan = off');
        await client.query('SET enable_bitmapscan = off');
        const naive = `SELECT e.agent, e.category, count(DISTINCT (t.source, t.external_id)) AS tickets
          FROM agent_events e JOIN tickets t ON t.id = e.ticket_id
          WHERE e.kind = 'failure' AND e.occurred_at >= $1 GROUP BY e.agent, e.category
          HAVING count(DISTINCT (t.source, t.external_id)) >= 3`;
        for (let i = 0; i < BASELINE_RUNS; i++) {
          const [ms] = await timed(() => client.query(naive, [params[2]]));
          baseline.push(ms);
        }
      } finally {
        await client.query('RESET ALL').catch(() => undefined);
        client.release();
      }
      const d = median(detect);
      const b = median(baseline);
      rows.push(
        `| ${size >= 1e6 ? `${size / 1e6} M` : size.toLocaleString('en-US')} | ${window.rows[0]?.n.toLocaleString('en-US')} | ${found} | ${d.toFixed(1)} ms | ${b.toFixed(0)} ms | ${(b / d).toFixed(0)}× | ${node} | ${(loadMs / 1000).toFixed(0)} s + ${(indexMs / 1000).toFixed(0)} s |`,
      );
      console.log(rows.at(-1));
      if (size === SIZES.at(-1))
        summary.push({
          figure: `detection query at ${size >= 1e6 ? `${size / 1e6} M` : size.toLocaleString('en-US')} agent_events (${found} pairs found)`,
          value: `${d.toFixed(1)} ms`,
          baseline: `${b.toLocaleString('en-US', { maximumFractionDigits: 0 })} ms (full scan)`,
          ratio: `${(b / d).toFixed(0)}× faster`,
          goal: '—',
        });
    }
  } finally {
    await pool.end();
    await db.drop();
  }
  const markdown = [
    'Detection query (`src/chief/detect.ts`: one index range scan per vocabulary pair,',
    `${'`'}QC_CHIEF_WINDOW${'`'} 7 days, threshold 3) against the naive full-scan GROUP BY of the same`,
    `window (index scans off), medians of ${RUNS} and ${BASELINE_RUNS} warm runs. Rows span 90 days, 10 % failures, on ${TICKETS.toLocaleString('en-US')} ticket rows (150,000 help-desk tickets: failures count once per ticket, through a join with tickets, in both queries).`,
    '',
    '| agent_events rows | failures in window | pairs found | detect | full-scan baseline | baseline ÷ detect | plan | load + index/vacuum |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  return { markdown, summary };
}
