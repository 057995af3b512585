import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { sha256Hex } from '../ticket/hash.js';

/**
 * The job catalog: one entry per queue, with its payload schema and default
 * options. Payloads are validated when enqueuing and again when processing.
 */
export const QC_QUEUE = 'qc';

export const QcJobData = z.object({
  ticketId: z.number().int().positive(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The QC context version active at enqueue time (the worker grades with the active one). */
  contextVersion: z.string().regex(/^[0-9a-f]{64}$/),
  via: z.enum(['realtime', 'batch', 'queue']).default('realtime'),
});
export type QcJobData = z.infer<typeof QcJobData>;

/** `qc-<sha256(ticket version, QC context version)>`: BullMQ 6 refuses ':' and all-digit ids. */
export function qcJobId(contentHash: string, contextVersion: string): string {
  return `qc-${sha256Hex(`${contentHash}\n${contextVersion}`)}`;
}

export interface CatalogSettings {
  attempts: number;
  failedRetentionMs: number;
}

export function qcJobOptions(s: CatalogSettings): JobsOptions {
  return {
    attempts: s.attempts,
    backoff: { type: 'exponential', delay: 5_000 },
    // Completed jobs are trimmed: PostgreSQL holds the result.
    removeOnComplete: { age: 3_600, count: 1_000 },
    // Failed jobs are kept, with their reason, for `ticket-qc failed`.
    removeOnFail: { age: Math.round(s.failedRetentionMs / 1000) },
  };
}

// Issue 15: write-back and triage.

/** Delivers one write-back outbox row to the help desk. */
export const WRITEBACK_QUEUE = 'writeback';
export const WritebackJobData = z.object({ outboxId: z.number().int().positive() });
export type WritebackJobData = z.infer<typeof WritebackJobData>;

/** `wb-<outbox id>-<retry round>`: a `writeback retry` is a new job, a relay re-run is not. */
export function writebackJobId(outboxId: number, round: number): string {
  return `wb-${outboxId}-${round}`;
}

export function writebackJobOptions(s: { attempts: number; backoffMs: number }): JobsOptions {
  return {
    attempts: s.attempts,
    backoff: { type: 'exponential', delay: s.backoffMs },
    removeOnComplete: { age: 3_600, count: 1_000 },
    // PostgreSQL holds the outcome (writeback_outbox); failed jobs are kept a week for debugging.
    removeOnFail: { age: 7 * 86_400 },
  };
}

/** Runs the triage agent on one ticket's creation state. */
export const TRIAGE_QUEUE = 'triage';
export const TriageJobData = z.object({
  source: z.string().min(1),
  externalId: z.string().min(1),
  ticketId: z.number().int().positive(),
});
export type TriageJobData = z.infer<typeof TriageJobData>;

export function triageJobId(ticketId: number): string {
  return `triage-${ticketId}`;
}
