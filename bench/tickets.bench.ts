/**
 * The Tickets page's query at 1,000,000 graded tickets, in a fresh, uniquely
 * named database of its own (bench/db.ts), dropped afterwards.
 *
 * ticket_index rows are generated with INSERT … SELECT generate_series (its
 * foreign keys to tickets and qc_results are dropped in this throwaway
 * database so the load needs no million tickets; neither changes the plans):
 * 200 technicians, 12 categories, outcomes 60/30/10 %, tickets spread over two
 * years. Each query is the page the route runs (listTickets' SQL, 51 rows).
 *
 * Baseline, measured in the same run: the same page reached with OFFSET, the
 * usual way to paginate, which has to read and discard every earlier row.
 */
import { createPool, type Pool } from '../src/db/pool.js';
import { type TicketCursor, type TicketFilter, ticketQuery } from '../src/db/ticket-index.js';
import { createBenchDb } from './db.js';

const N = 1_000_000;
const DEPTH = 900_000;
const RUNS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed(pool: Pool, sql: string, params: unknown[]): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await pool.query(sql, params);
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function plan(pool: Pool, sql: string, params: unknown[]): Promise<string> {
  const r = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`,
    params,
  );
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

async function load(pool: Pool): Promise<void> {
  await pool.query(
    'ALTER TABLE ticket_index DROP CONSTRAINT IF EXISTS ticket_index_ticket_id_fkey',
  );
  await pool.query(
    'ALTER TABLE ticket_index DROP CONSTRAINT IF EXISTS ticket_index_result_id_fkey',
  );
  await pool.query(
    `INSERT INTO ticket_index (source, external_id, ticket_id, result_id, subject, technician,
       technician_key, customer, category, outcome, score, missed, escalated, open_escalation,
       overridden, context_version, versions, ticket_at, graded_at, search)
     SELECT 'zendesk', 'T' || g, g, g, 'Printer ' || (g % 97) || ' offline at site ' || (g % 31),
            'Tech ' || (g % 200), 'zendesk:id:' || (g % 200), 'Customer ' || (g % 5000),
            'cat' || (g % 12),
            CASE WHEN g % 10 < 6 THEN 'pass' WHEN g % 10 < 9 THEN 'fail' ELSE 'escalate' END,
            40 + g % 60, CASE WHEN g % 3 = 0 THEN ARRAY['problem_statement'] ELSE '{}' END,
            g % 10 = 9, g % 50 = 9, g % 40 = 0, 'ctx', 1,
            now() - ((g::bigint * 2654435761) % 63072000) * interval '1 second',
            now() - (g % 86400) * interval '1 second',
            to_tsvector('simple', 'printer ' || (g % 97) || ' offline site T' || g || ' tech ' || (g % 200))
     FROM generate_series(1, $1) g`,
    [N],
  );
  await pool.query('VACUUM ANALYZE ticket_index');
}

export async function run(): Promise<string> {
  const db = await createBenchDb('tickets');
  const pool = createPool(db.url, { max: 2, applicationName: 'bench-tickets' });
  try {
    const t0 = performance.now();
    await load(pool);
    const loadS = (performance.now() - t0) / 1000;
    const cursorAt = async (f: TicketFilter, depth: number): Promise<TicketCursor> => {
      const { sql, params } = ticketQuery(f, undefined, 1);
      const r = await pool.query<{ cursorAt: string; id: string }>(
        sql.replace(/LIMIT \$\d+$/, `OFFSET ${depth} LIMIT 1`),
        params.slice(0, -1),
      );
      const row = r.rows[0];
      if (!row) throw new Error('no row at that depth');
      return { at: row.cursorAt, id: Number(row.id) };
    };
    const cases: { name: string; f: TicketFilter; depth: number }[] = [
      { name: 'first page, no filter', f: {}, depth: 0 },
      { name: `page at row ${DEPTH.toLocaleString('en-US')}, no filter`, f: {}, depth: DEPTH },
      { name: 'outcome = fail, page at row 250,000', f: { outcome: 'fail' }, depth: 250_000 },
      { name: 'technician, page at row 4,000', f: { technician: 'zendesk:id:7' }, depth: 4_000 },
      { name: 'search "printer 42", first page', f: { q: 'printer 42' }, depth: 0 },
      {
        name: 'help-desk id "T123456" (exact-id query)',
        f: { q: 'T123456', exactId: true },
        depth: 0,
      },
      { name: 'a word no id matches, "offline" (text query)', f: { q: 'offline' }, depth: 0 },
    ];
    const rows: string[] = [];
    let deepPlan = '';
    for (const c of cases) {
      const after = c.depth ? await cursorAt(c.f, c.depth - 1) : undefined;
      const keyset = ticketQuery(c.f, after, 51);
      const keysetMs = await timed(pool, keyset.sql, keyset.params);
      const first = ticketQuery(c.f, undefined, 51);
      const offsetSql = first.sql.replace(/LIMIT \$\d+$/, `LIMIT 51 OFFSET ${c.depth}`);
      const offsetMs = c.depth ? await timed(pool, offsetSql, first.params.slice(0, -1)) : keysetMs;
      rows.push(
        `| ${c.name} | ${keysetMs.toFixed(2)} | ${c.depth ? offsetMs.toFixed(1) : '—'} | ${c.depth ? `${(offsetMs / keysetMs).toFixed(0)}×` : '—'} |`,
      );
      if (c.depth === DEPTH) deepPlan = await plan(pool, keyset.sql, keyset.params);
    }
    const searchQ = ticketQuery({ q: 'printer 42' }, undefined, 51);
    const searchPlan = await plan(pool, searchQ.sql, searchQ.params);
    const idQ = ticketQuery({ q: 'T123456', exactId: true }, undefined, 51);
    const idPlan = await plan(pool, idQ.sql, idQ.params);
    return [
      `${N.toLocaleString('en-US')} rows in \`ticket_index\` (loaded in ${loadS.toFixed(0)} s), 51 rows per page (50 shown + 1 to know there is a next page), median of ${RUNS} runs.`,
      '',
      '| page | keyset (ms) | OFFSET baseline (ms) | keyset speed-up |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
      '',
      `Plan of the keyset page at row ${DEPTH.toLocaleString('en-US')} (\`EXPLAIN (ANALYZE, BUFFERS)\`): an index scan of \`ticket_index_at_idx\` that starts at the cursor and stops after 51 rows.`,
      '',
      '```',
      deepPlan,
      '```',
      '',
      'Plan of the text search (GIN index on the search vector, then the newest 51):',
      '',
      '```',
      searchPlan,
      '```',
      '',
      'Plan of a help-desk id lookup (expression index on lower(external_id)):',
      '',
      '```',
      idPlan,
      '```',
    ].join('\n');
  } finally {
    await pool.end();
    await db.drop();
  }
}
