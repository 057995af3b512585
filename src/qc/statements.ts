import { type AttemptBegin, beginAttempts } from '../db/attempts.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import {
  type GradeWrite,
  type PreparedTicket,
  type PrepareInput,
  prepareGradesWith,
  type WrittenGrade,
  writeGrades,
} from '../db/grade-write.js';
import { type Grouped, grouped } from '../db/group.js';
import type { Pool, PoolClient } from '../db/pool.js';

/**
 * A QC job's statements, grouped across the jobs running at once
 * (issue 13, src/db/group.ts): while a statement is in flight, the prepares
 * (`prepareGrades`), grade writes (`writeGrades`) and attempt rows of later
 * calls (a tier-up, a second opinion, a repair) of the jobs that reach theirs
 * meanwhile wait, then go out together — the prepares and the attempt rows in
 * one multi-row statement, the writes in another, both on ONE pool checkout.
 * In steady state as many jobs start as finish, so a checkout carries both
 * and a ticket costs about half a checkout instead of two, and a tier-up's row
 * no statement of its own. Each job still gets only its own row, or its own
 * error. One lane per pool, so every caller of a process's pool (the realtime
 * worker's jobs, the batch collector) shares the groups.
 */
export interface QcStatements {
  prepare: Grouped<PrepareInput, PreparedTicket | undefined>;
  write: Grouped<GradeWrite, WrittenGrade>;
  /**
   * The attempt row of a job's later call, with the answers the job held
   * (src/llm/attempts.ts, AttemptScope.insert). It resolves once the row is
   * committed — a call is never made without its row — and waits for the
   * lane in flight, as a prepare does. The row goes in its lane's first
   * statement (the prepares' own when any wait with it), but the lane resolves
   * its members once the whole lane, writes included, is committed: a few
   * milliseconds against the call that follows.
   */
  begin: Grouped<AttemptBegin, number>;
}

/**
 * Lanes in flight at once: one. While it is in flight, every job that
 * reaches its prepare or its write waits, so the next lane carries both
 * kinds and more members. Measured with the overhead bench (2,000 tickets,
 * concurrency 50, A/B in the same minutes on a loaded 2-core machine): one in
 * flight took 0.58–0.63 checkouts and 0.85–0.89 statements per ticket and
 * 2.5–3.2 ms of PostgreSQL CPU, against 0.97–1.11, 1.20–1.34 and 3.5–4.7 ms
 * with two; the latency bench's backlog drained at the same rate with either
 * (56.8 and 56.5 verdicts/s at 800 ms a call). A job may wait for the lane in
 * flight before its own goes — a few milliseconds, against the model's
 * hundreds. Members are sent in ticket order (src/db/grade-write.ts) and a
 * ticket in flight keeps its later statements back (src/db/group.ts).
 */
const IN_FLIGHT = 1;

/** One member of a lane's group: a job's prepare, its write, or a later call's attempt row. */
type Member = { prepare: PrepareInput } | { write: GradeWrite } | { begin: AttemptBegin };

type Answer =
  | { prepared: PreparedTicket | undefined }
  | { written: WrittenGrade }
  | { begun: number }
  /** What its statement, and then its statement alone, failed with. */
  | { failed: unknown };

/** A member's group key: its ticket; an attempt row without one (none in a QC job) is its own. */
const ticketOf = (m: Member): unknown =>
  'prepare' in m
    ? m.prepare.ticketId
    : 'write' in m
      ? m.write.result.ticketId
      : (m.begin.start.ticketId ?? m);

/** One statement for some of a group's members: an answer for each, in their order. */
type Statement = (db: PoolClient, members: readonly Member[]) => Promise<Answer[]>;

/**
 * The statement before the members' model calls: the prepares, with the
 * attempt rows of other jobs' later calls riding on it (`prepareGradesWith`),
 * or those rows alone when no prepare waits (`beginAttempts`).
 */
const beforeCalls: Statement = async (db, members) => {
  const preps: PrepareInput[] = [];
  const begins: AttemptBegin[] = [];
  for (const m of members) {
    if ('prepare' in m) preps.push(m.prepare);
    else if ('begin' in m) begins.push(m.begin);
    else throw new Error('a grade write in the statement before the calls');
  }
  const { prepared, begun } =
    preps.length > 0
      ? await prepareGradesWith(db, preps, begins)
      : { prepared: [], begun: await beginAttempts(db, begins) };
  let p = 0;
  let b = 0;
  return members.map((m) =>
    'prepare' in m ? { prepared: prepared[p++] } : { begun: begun[b++] as number },
  );
};

const gradeWrites: Statement = async (db, members) =>
  (
    await writeGrades(
      db,
      members.map((m) => (m as { write: GradeWrite }).write),
    )
  ).map((w) => ({
    written: w,
  }));

/**
 * A group's statements on one connection: first the one its model calls wait
 * for — the prepares, with the attempt rows of later calls (a tier-up's) in
 * the same statement — then the writes. A statement that fails concerns its
 * own members only — the other may have committed — and those are sent again
 * one by one, each by its kind's statement, here, while the group still holds
 * their tickets (no later statement of one of them can overtake the resend),
 * so one bad member fails only its own job; unless PostgreSQL is unreachable,
 * when the rest of that statement's members get the error at once. A
 * connection that saw an error is destroyed, as `pool.query` does, and the
 * next statement takes a fresh one: a backend that died under the prepares
 * does not take the writes down with it.
 */
async function both(pool: Pool, members: readonly Member[]): Promise<Answer[]> {
  const out: Answer[] = new Array(members.length);
  const before: number[] = [];
  const writes: number[] = [];
  for (const [i, m] of members.entries()) ('write' in m ? writes : before).push(i);
  let client: PoolClient | undefined;
  const on = async <T>(statement: (db: PoolClient) => Promise<T[]>): Promise<T[]> => {
    client ??= await pool.connect();
    const c = client;
    try {
      return await statement(c);
    } catch (err) {
      client = undefined;
      c.release(true);
      throw err;
    }
  };
  const send = async (idx: readonly number[], statement: Statement): Promise<void> => {
    if (idx.length === 0) return;
    const ms = idx.map((i) => members[i] as Member);
    try {
      const answers = await on((c) => statement(c, ms));
      if (answers.length !== idx.length)
        throw new Error(`a grouped statement answered ${answers.length} of ${idx.length} members`);
      idx.forEach((i, k) => {
        out[i] = answers[k] as Answer;
      });
      return;
    } catch (err) {
      if (idx.length === 1 || isDatabaseUnavailable(err)) {
        for (const i of idx) out[i] = { failed: err };
        return;
      }
    }
    for (const [k, i] of idx.entries()) {
      try {
        const [answer] = await on((c) => statement(c, [ms[k] as Member]));
        out[i] = answer as Answer;
      } catch (one) {
        out[i] = { failed: one };
        if (isDatabaseUnavailable(one)) {
          for (const rest of idx.slice(k + 1)) out[rest] = { failed: one };
          return;
        }
      }
    }
  };
  try {
    await send(before, beforeCalls);
    await send(writes, gradeWrites);
    return out;
  } finally {
    client?.release();
  }
}

const byPool = new WeakMap<Pool, QcStatements>();

export function qcStatements(pool: Pool): QcStatements {
  let s = byPool.get(pool);
  if (!s) {
    const lane = grouped<Member, Answer>({
      many: (members) => both(pool, members),
      key: ticketOf,
      maxInFlight: IN_FLIGHT,
    });
    s = {
      prepare: async (input) => {
        const a = await lane({ prepare: input });
        if ('failed' in a) throw a.failed;
        if (!('prepared' in a)) throw new Error('a prepare was answered as another kind');
        return a.prepared;
      },
      write: async (input) => {
        const a = await lane({ write: input });
        if ('failed' in a) throw a.failed;
        if (!('written' in a)) throw new Error('a write was answered as another kind');
        return a.written;
      },
      begin: async (input) => {
        const a = await lane({ begin: input });
        if ('failed' in a) throw a.failed;
        if (!('begun' in a)) throw new Error('an attempt row was answered as another kind');
        return a.begun;
      },
    };
    byPool.set(pool, s);
  }
  return s;
}
