import { pino } from 'pino';
import type { ChiefDeps } from '../../src/chief/pass.js';
import { insertEvents } from '../../src/db/events.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { chiefDeps } from '../../workers/chief-of-staff.js';
import { testConfig } from '../helpers/config.js';
import type { TestDb } from '../helpers/db.js';

export const DAY = 86_400_000;

/** A runtime and chief deps on the test database and simulator. */
export function chiefHarness(
  db: TestDb,
  simUrl: string,
  env: Record<string, string> = {},
): { rt: Runtime; deps: ChiefDeps } {
  const config = testConfig({
    DATABASE_URL: db.url,
    ANTHROPIC_BASE_URL: simUrl,
    QC_SHADOW_RATE: '0',
    ...env,
  });
  const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
  return { rt, deps: chiefDeps(rt) };
}

export interface SeedFailure {
  ticketId: number;
  agent?: string;
  category?: string;
  at?: Date;
  details?: Record<string, unknown>;
}

/** Failure events as the QC worker writes them (attribution by default). */
export async function seedFailures(db: TestDb, rows: SeedFailure[]): Promise<number[]> {
  return insertEvents(
    db.pool,
    rows.map((r) => ({
      agent: r.agent ?? 'triage',
      kind: 'failure' as const,
      category: r.category ?? 'insufficient_detail',
      ticketId: r.ticketId,
      occurredAt: r.at ?? new Date(),
      details: r.details ?? {
        kind: 'attribution',
        note: 'Triage notes are 2 words ("see ticket").',
      },
    })),
  );
}

export async function proposalRows(db: TestDb) {
  const r = await db.pool.query<{
    id: number;
    agent: string;
    category: string;
    file: string;
    status: string;
    diff: string | null;
    refusal_reason: string | null;
    covered_event_ids: number[];
    backtest: Record<string, unknown> | null;
  }>('SELECT * FROM prompt_proposals ORDER BY id');
  return r.rows;
}
