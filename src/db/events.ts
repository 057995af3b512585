import { type Pool, type Queryable, withTransaction } from './pool.js';

export type Purpose =
  | 'grade'
  | 'repair'
  | 'tier_up'
  | 'shadow'
  | 'backtest'
  | 'eval'
  | 'chief'
  | 'batch'
  | 'triage';
export type Tier = 'base' | 'strong';

/** One measured model call: what agent_events stores as an `llm_call`. */
export interface LlmCall {
  model: string;
  purpose: Purpose;
  tier: Tier;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  costUsd: number;
  latencyMs: number;
  outcome: 'ok' | 'invalid' | 'no_tool';
  requestId?: string | undefined;
  batch?: boolean;
  /** The llm_attempts row written before the call (migration 013); its event claims it. */
  attemptId?: number | undefined;
}

export type EventKind =
  | 'llm_call'
  | 'verdict'
  | 'failure'
  | 'escalation'
  | 'override'
  | 'proposal'
  | 'budget';

export interface AgentEvent {
  agent: string;
  kind: EventKind;
  category?: string | null;
  ticketId?: number | null;
  resultId?: number | null;
  model?: string | null;
  tier?: string | null;
  purpose?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  cacheCreationTokens?: number;
  cacheReadTokens?: number;
  costUsd?: number;
  latencyMs?: number | null;
  contextVersion?: string | null;
  jobId?: string | null;
  details?: Record<string, unknown>;
  occurredAt?: Date;
}

const COLUMNS = [
  'occurred_at',
  'agent',
  'kind',
  'category',
  'ticket_id',
  'result_id',
  'model',
  'tier',
  'purpose',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cost_usd',
  'latency_ms',
  'context_version',
  'job_id',
  'details',
] as const;

function attemptIdOf(e: AgentEvent): number | undefined {
  const id = e.details?.attemptId;
  return typeof id === 'number' ? id : undefined;
}

/**
 * Inserts events in one statement; returns their ids in order. An llm_call
 * carrying an attemptId claims that attempt in the same transaction; an
 * attempt the reconciler already recorded (its caller looked dead) is not
 * recorded twice: that event is dropped.
 */
export async function insertEvents(db: Queryable, events: AgentEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const attemptIds = events.map(attemptIdOf).filter((x): x is number => x !== undefined);
  if (attemptIds.length === 0) return insertRows(db, events);
  const claimAndInsert = async (tx: Queryable) => {
    const r = await tx.query<{ id: number }>(
      `UPDATE llm_attempts SET state = 'recorded', recorded_at = now()
        WHERE id = ANY($1::bigint[]) AND state <> 'recorded' RETURNING id`,
      [attemptIds],
    );
    const claimed = new Set(r.rows.map((x) => x.id));
    return insertRows(
      tx,
      events.filter((e) => {
        const id = attemptIdOf(e);
        return id === undefined || claimed.has(id);
      }),
    );
  };
  return 'totalCount' in db ? withTransaction(db as Pool, claimAndInsert) : claimAndInsert(db);
}

async function insertRows(db: Queryable, events: AgentEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const values: unknown[] = [];
  const rows: string[] = [];
  for (const e of events) {
    const base = values.length;
    rows.push(`(${COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`);
    values.push(
      e.occurredAt ?? new Date(),
      e.agent,
      e.kind,
      e.category ?? null,
      e.ticketId ?? null,
      e.resultId ?? null,
      e.model ?? null,
      e.tier ?? null,
      e.purpose ?? null,
      e.inputTokens ?? 0,
      e.outputTokens ?? 0,
      e.cacheCreationTokens ?? 0,
      e.cacheReadTokens ?? 0,
      (e.costUsd ?? 0).toFixed(8),
      e.latencyMs ?? null,
      e.contextVersion ?? null,
      e.jobId ?? null,
      JSON.stringify(e.details ?? {}),
    );
  }
  const r = await db.query<{ id: number }>(
    `INSERT INTO agent_events (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')} RETURNING id`,
    values,
  );
  return r.rows.map((x) => x.id);
}

export function llmCallEvent(
  agent: string,
  call: LlmCall,
  extra: Partial<AgentEvent> = {},
): AgentEvent {
  return {
    agent,
    kind: 'llm_call',
    model: call.model,
    tier: call.tier,
    purpose: call.purpose,
    inputTokens: call.inputTokens,
    outputTokens: call.outputTokens,
    cacheCreationTokens: call.cacheCreationTokens,
    cacheReadTokens: call.cacheReadTokens,
    costUsd: call.costUsd,
    latencyMs: call.latencyMs,
    ...extra,
    details: {
      outcome: call.outcome,
      ...(call.requestId ? { requestId: call.requestId } : {}),
      ...(call.batch ? { batch: true } : {}),
      ...(call.attemptId !== undefined ? { attemptId: call.attemptId } : {}),
      ...extra.details,
    },
  };
}
