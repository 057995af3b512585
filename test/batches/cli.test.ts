import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchStatus } from '../../src/batches/status.js';
import { buildCli } from '../../src/cli/index.js';
import { testConfig } from '../helpers/config.js';
import { writeJsonlFixture } from './fixtures.js';
import { type Harness, startHarness, submittedBatches } from './harness.js';

let h: Harness | undefined;
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `ticket-qc <args>` in-process against the harness's database, queue prefix and simulator. */
async function cli(harness: Harness, ...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const config = testConfig({
    DATABASE_URL: harness.db.url,
    ANTHROPIC_BASE_URL: harness.sim.url,
    QUEUE_PREFIX: harness.p.config.QUEUE_PREFIX,
    QC_SHADOW_RATE: '0',
    QC_BATCH_POLL_INTERVAL: '100ms',
  });
  try {
    // Usage errors throw instead of exiting the test process.
    const program = buildCli(() => config);
    const quiet = (c: Command) => {
      c.exitOverride().configureOutput({ writeErr: () => undefined });
      for (const sub of c.commands) quiet(sub);
    };
    quiet(program);
    await program.parseAsync(['node', 'ticket-qc', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out.join('\n');
}

describe('ticket-qc batch import|run|status', () => {
  it('import prints a summary; run --dry-run estimates both paths and changes nothing', async () => {
    h = await startHarness({ tickets: 0 });
    const dir = await mkdtemp(path.join(tmpdir(), 'tqc-cli-'));
    try {
      const { file } = await writeJsonlFixture(dir, 300, 50);
      const summary = await cli(h, 'batch', 'import', '--file', file, '--source', 'legacy');
      expect(summary).toMatch(/stored: {6}294 \(294 new, 0 already stored\)/);
      expect(summary).toMatch(/rejected: {4}6 → .*history\.jsonl\.rejects\.jsonl/);

      const dry = await cli(h, 'batch', 'run', '--dry-run', '--limit', '100');
      expect(dry).toMatch(/would grade 100 ticket\(s\)/);
      const money = (label: string) => {
        const m = new RegExp(`${label}\\s+\\$([\\d.]+)`).exec(dry);
        return Number(m?.[1]);
      };
      expect(money('--via batches')).toBeCloseTo(money('--via queue') / 2, 2);
      expect((await h.db.pool.query('SELECT 1 FROM batch_runs')).rowCount).toBe(0);
      expect(submittedBatches(h.sim)).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('run --wait grades through batches; status shows the run, requests by state and cost at batch prices', async () => {
    h = await startHarness({ tickets: 15 });
    const out = await cli(
      h,
      'batch',
      'run',
      '--wait',
      '--since',
      '2026-01-01',
      '--until',
      '2027-01-01',
    );
    expect(out).toMatch(
      /run #1: 15 ticket\(s\) mapped into message batches\nthis pass: \d+ batch\(es\) submitted/,
    );
    // Read from the run's requests, whoever collected them (issue 11, point 10).
    expect(out).toMatch(
      /run #1 so far: 15 ticket\(s\) graded, 0 sent to the realtime queue, 0 failed, 0 still in batches/,
    );
    const text = await cli(h, 'batch', 'status');
    expect(text).toMatch(
      // Follow-ups (second opinions) go out as a second round: a second batch, collected too.
      /#1 .* batches\/cli finished: 15 selected; batches: collected \d+; requests: (followup \d+, )?graded 15/,
    );
    expect(text).toMatch(/message batches in flight:\n {2}none/);
    const json = JSON.parse(await cli(h, 'batch', 'status', '--json')) as BatchStatus;
    expect(json.requests.graded).toBe(15);
    expect(Object.keys(json.requests).filter((k) => k !== 'graded' && k !== 'followup')).toEqual(
      [],
    );
    expect(json.cost.batchUsd).toBeGreaterThan(0);
    expect(json.cost.realtimeEquivalentUsd).toBeCloseTo(
      2 * json.cost.batchUsd + json.cost.otherUsd,
      8,
    );

    const none = await cli(h, 'batch', 'run', '--since', '2030-01-01');
    expect(none).toMatch(/run #2: 0 ticket\(s\) mapped/);
  });

  it('run --via queue adds low-priority jobs to the qc queue, once', async () => {
    h = await startHarness({ tickets: 8 });
    expect(await cli(h, 'batch', 'run', '--via', 'queue')).toMatch(/8 low-priority job\(s\) added/);
    expect(await cli(h, 'batch', 'run', '--via', 'queue')).toMatch(/0 low-priority job\(s\) added/);
    const jobs = await h.p.queue.getJobs(['prioritized', 'wait']);
    expect(jobs).toHaveLength(8);
    expect(jobs.every((j) => j.opts.priority === 10 && j.data.via === 'queue')).toBe(true);
  });

  it('bad options are clear errors', async () => {
    h = await startHarness({ tickets: 0 });
    await expect(cli(h, 'batch', 'run', '--since', 'yesterday')).rejects.toThrow(
      /--since "yesterday"/,
    );
    await expect(cli(h, 'batch', 'run', '--via', 'carrier-pigeon')).rejects.toThrow(
      /argument 'carrier-pigeon' is invalid. Allowed choices are batches, queue/,
    );
  });
});
