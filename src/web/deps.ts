import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BudgetNotify } from '../budget/notify.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';

/** What the review pages need, created by the API process and passed in. */
export interface ReviewDeps {
  pool: Pool;
  /** The producer-side qc queue: Bull Board, pause/resume. Without it those pages say so. */
  queue?: Queue | undefined;
  /** The queue's connection; used to build a queue when only Redis is handed in. */
  redis?: Redis | Cluster | undefined;
  config: Config;
  logger: Logger;
  /** Tests move the clock; production reads the wall clock. */
  now?: () => Date;
  /** Budget warnings; defaults to a POST to NOTIFY_WEBHOOK_URL. */
  notify?: BudgetNotify;
}

export type Role = 'reviewer' | 'admin';

/** The logged-in reviewer, set on every authenticated request by the guard. */
export interface Reviewer {
  name: string;
  role: Role;
  csrf: string;
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    reviewer: Reviewer | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a session (the login form only). */
    reviewPublic?: boolean;
    /** Only admins: approving proposals, restoring versions, resuming the queue, the audit log. */
    reviewAdmin?: boolean;
  }
}
