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
 * (issue 13, src/db/group.ts): while one prepare statement is in flight, the
 * prepares of the jobs that start meanwhile wait and then go out together as
 * one multi-row statement (`prepareGrades`); grade writes likewise
 * (`writeGrades`). Each job still gets only its own row, or its own error.
 * One pair per pool, so every caller of a process's pool (the realtime
 * worker's jobs, the batch collector) shares the groups.
 */
export interface QcStatements {
  prepare: Grouped<PrepareInput, PreparedTicket | undefined>;
  write: Grouped<GradeWrite, WrittenGrade>;
}

/**
 * Groups of each kind in flight at once. With one, a job arriving just
 * after a group left waits for that whole statement before its own goes;
 * two halve that wait. `npm run bench -- latency` could not tell them apart
 * beyond its noise (Little's law at concurrency 50: 0.84 and 0.88 with one,
 * 0.86–0.92 with two, 0.88 before grouping on the same machine; BENCHMARKS.md).
 * Members are sent in ticket order (src/db/grade-write.ts) and a ticket in
 * flight keeps its later statements back (src/db/group.ts), so two in flight
 * neither deadlock nor reorder a ticket's writes.
 */
const IN_FLIGHT = 2;

const byPool = new WeakMap<Pool, QcStatements>();

export function qcStatements(pool: Pool): QcStatements {
  let s = byPool.get(pool);
  if (!s) {
    s = {
      prepare: grouped({
        many: (inputs) => prepareGrades(pool, inputs),
        key: (p) => p.ticketId,
        maxInFlight: IN_FLIGHT,
      }),
      write: grouped({
        many: (writes) => writeGrades(pool, writes),
        key: (w) => w.result.ticketId,
        maxInFlight: IN_FLIGHT,
      }),
    };
    byPool.set(pool, s);
  }
  return s;
}
