import { isDatabaseUnavailable } from '../db/errors.js';
import {
  type GradeWrite,
  type PreparedTicket,
  type PrepareInput,
  prepareGrades,
  type WrittenGrade,
  writeGrades,
} from '../db/grade-write.js';
import { type Grouped, grouped } from '../db/group.js';
import type { Pool } from '../db/pool.js';

/**
 * A QC job's two statements, grouped across the jobs running at once
 * (issue 13, src/db/group.ts): while a statement is in flight, the prepares
 * (`prepareGrades`) and grade writes (`writeGrades`) of the jobs that reach
 * theirs meanwhile wait, then go out together — one multi-row statement of
 * each kind, both on ONE pool checkout. In steady state as many jobs start as
 * finish, so a checkout carries both kinds and a ticket costs about half a
 * checkout instead of two. Each job still gets only its own row, or its own
 * error. One lane per pool, so every caller of a process's pool (the realtime
 * worker's jobs, the batch collector) shares the groups.
 */
export interface QcStatements {
  prepare: Grouped<PrepareInput, PreparedTicket | undefined>;
  write: Grouped<GradeWrite, WrittenGrade>;
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

/** One member of a lane's group: a job's prepare or its write; `solo` when it is sent again alone. */
type Member = ({ prepare: PrepareInput } | { write: GradeWrite }) & { solo?: boolean };

type Answer =
  | { prepared: PreparedTicket | undefined }
  | { written: WrittenGrade }
  /** Its kind's statement failed; `alone` when the member was the only one of its kind in it. */
  | { failed: unknown; alone: boolean };

const ticketOf = (m: Member) => ('prepare' in m ? m.prepare.ticketId : m.write.result.ticketId);

/**
 * A group's two statements on one connection: the prepares first (their
 * model calls are what the jobs wait for), then the writes. A statement that
 * fails answers `failed` to the members of its kind only — the other
 * statement may have committed, so nothing of the group is sent again here;
 * each of those members is sent again alone by `ask`. A connection that
 * failed is destroyed rather than returned to the pool.
 */
async function both(pool: Pool, members: readonly Member[]): Promise<Answer[]> {
  const out: Answer[] = new Array(members.length);
  const preps: number[] = [];
  const writes: number[] = [];
  for (const [i, m] of members.entries()) ('prepare' in m ? preps : writes).push(i);
  const client = await pool.connect();
  let broken = false;
  const settle = async <T>(
    idx: readonly number[],
    run: () => Promise<T[]>,
    answer: (t: T | undefined) => Answer,
  ): Promise<void> => {
    if (idx.length === 0) return;
    try {
      const rows = await run();
      if (rows.length !== idx.length)
        throw new Error(`a grouped statement answered ${rows.length} of ${idx.length} members`);
      idx.forEach((i, k) => {
        out[i] = answer(rows[k]);
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) broken = true;
      for (const i of idx) out[i] = { failed: err, alone: idx.length === 1 };
    }
  };
  try {
    await settle(
      preps,
      () =>
        prepareGrades(
          client,
          preps.map((i) => (members[i] as { prepare: PrepareInput }).prepare),
        ),
      (p) => ({ prepared: p }),
    );
    await settle(
      writes,
      () =>
        writeGrades(
          client,
          writes.map((i) => (members[i] as { write: GradeWrite }).write),
        ),
      (w) => ({ written: w as WrittenGrade }),
    );
    return out;
  } finally {
    client.release(broken);
  }
}

/**
 * A member's answer; when its kind's group statement failed, the member is
 * sent again alone (one bad member fails only its own job) unless it was
 * alone already or PostgreSQL is unreachable.
 */
async function ask(lane: Grouped<Member, Answer>, member: Member): Promise<Answer> {
  const a = await lane(member);
  if (!('failed' in a)) return a;
  if (a.alone || isDatabaseUnavailable(a.failed)) throw a.failed;
  const again = await lane({ ...member, solo: true });
  if ('failed' in again) throw again.failed;
  return again;
}

const byPool = new WeakMap<Pool, QcStatements>();

export function qcStatements(pool: Pool): QcStatements {
  let s = byPool.get(pool);
  if (!s) {
    const lane = grouped<Member, Answer>({
      many: (members) => both(pool, members),
      key: ticketOf,
      solo: (m) => m.solo === true,
      maxInFlight: IN_FLIGHT,
    });
    s = {
      prepare: async (input) => {
        const a = await ask(lane, { prepare: input });
        if (!('prepared' in a)) throw new Error('a prepare was answered as a write');
        return a.prepared;
      },
      write: async (input) => {
        const a = await ask(lane, { write: input });
        if (!('written' in a)) throw new Error('a write was answered as a prepare');
        return a.written;
      },
    };
    byPool.set(pool, s);
  }
  return s;
}
