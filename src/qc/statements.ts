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

const byPool = new WeakMap<Pool, QcStatements>();

export function qcStatements(pool: Pool): QcStatements {
  let s = byPool.get(pool);
  if (!s) {
    s = {
      prepare: grouped({
        many: (inputs) => prepareGrades(pool, inputs),
        key: (p) => p.ticketId,
      }),
      write: grouped({
        many: (writes) => writeGrades(pool, writes),
        key: (w) => w.result.ticketId,
      }),
    };
    byPool.set(pool, s);
  }
  return s;
}
