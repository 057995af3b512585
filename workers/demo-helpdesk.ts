import { type FakeHelpdesk, startFakeHelpdesk } from '@ticket-qc/fake-helpdesk';
import type { Cluster, Redis } from 'ioredis';
import { noteCounts } from '../src/db/outbox.js';
import { setTriageRequest, triageSpend } from '../src/db/triage.js';
import type { Runtime } from '../src/runtime.js';
import { triageTicket } from '../src/triage/index.js';
import {
  basic,
  startWriteback,
  type WritebackLoops,
  writebackSettingsOf,
} from '../src/writeback/index.js';

/**
 * The demo's help desk (issue 15): the fake help desk stands in for a Jira
 * Service Management site, the examples' source writes back to it (internal
 * comments and labels), and the triage agent runs on each example's creation
 * state before grading.
 */
export interface DemoHelpdesk {
  desk: FakeHelpdesk;
  loops: WritebackLoops;
  close(): Promise<void>;
}

export async function startDemoHelpdesk(
  rt: Runtime,
  opts: { connection: Redis | Cluster; producer: Redis | Cluster; prefix: string; source: string },
): Promise<DemoHelpdesk> {
  const desk = await startFakeHelpdesk();
  const settings = writebackSettingsOf(rt.config);
  settings.targets = {
    [opts.source]: {
      vendor: 'jira',
      parts: ['note', 'tags'],
      baseUrl: desk.baseUrl('jira'),
      authorization: basic('qc-bot@demo.example', 'demo-token'),
    },
  };
  // The examples are all written at once; a real site keeps WRITEBACK_RATE_PER_MINUTE.
  settings.ratePerMinute = 0;
  settings.pollIntervalMs = 500;
  const loops = await startWriteback(rt, { ...opts, settings, concurrency: 8 });
  return {
    desk,
    loops,
    async close() {
      await loops.close();
      await desk.close();
    },
  };
}

/** Triage every example on its creation state, a few at a time. Returns how many ran. */
export async function triageExamples(
  rt: Runtime,
  tickets: { source: string; externalId: string }[],
  concurrency = 4,
): Promise<{ triaged: number; incomplete: number; failed: number; line: string }> {
  const deps = {
    pool: rt.pool,
    contexts: rt.contexts,
    logger: rt.logger,
    llm: rt.llm,
    model: rt.config.QC_MODEL,
    maxTokens: 1024,
  };
  let next = 0;
  const counts = { triaged: 0, incomplete: 0, failed: 0 };
  const lane = async () => {
    for (;;) {
      const key = tickets[next++];
      if (!key) return;
      try {
        const r = await triageTicket(deps, key);
        await setTriageRequest(rt.pool, key, 'done');
        if (r.status !== 'gone') {
          counts.triaged++;
          if (r.missing.length) counts.incomplete++;
        }
      } catch (err) {
        counts.failed++;
        rt.logger.warn({ ...key, err: (err as Error).message }, 'triage failed');
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const spend = await triageSpend(rt.pool, tickets);
  const cached = spend.input ? Math.round((100 * spend.cacheRead) / spend.input) : 0;
  return {
    ...counts,
    line: `${spend.calls} calls, $${spend.costUsd.toFixed(4)} ($${(spend.costUsd / Math.max(1, counts.triaged)).toFixed(5)} per ticket), ${cached}% of prompt tokens read from cache`,
  };
}

/** Waits until every note of these tickets is settled; returns delivered notes by kind. */
export async function settledNotes(
  rt: Runtime,
  ticketIds: number[],
  deadline: number,
): Promise<{ triage: number; qc: number; unsettled: number; failed: number }> {
  for (;;) {
    const rows = await noteCounts(rt.pool, ticketIds);
    const sum = (f: (r: (typeof rows)[number]) => boolean) =>
      rows.filter(f).reduce((s, r) => s + r.n, 0);
    const unsettled = sum((r) => ['pending', 'queued', 'sending'].includes(r.status));
    if (unsettled === 0 || Date.now() > deadline)
      return {
        triage: sum((r) => r.kind === 'triage' && r.status === 'delivered'),
        qc: sum((r) => r.kind === 'qc' && r.status === 'delivered'),
        unsettled,
        failed: sum((r) => r.status === 'failed'),
      };
    await new Promise((res) => setTimeout(res, 250));
  }
}
