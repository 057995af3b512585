import type { BatchStatus } from '../db/batch-status.js';

export {
  type BatchStatus,
  batchStatus,
  type InFlight,
  type RunStatus,
} from '../db/batch-status.js';

const usd = (x: number) => `$${x.toFixed(4)}`;
const kv = (m: Record<string, number>) =>
  Object.entries(m)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-';

export function formatStatus(s: BatchStatus): string {
  const lines = ['batch runs (newest first):'];
  if (s.runs.length === 0) lines.push('  none yet');
  for (const r of s.runs) {
    const when = r.createdAt.toISOString().slice(0, 16).replace('T', ' ');
    const state = r.finishedAt ? 'finished' : 'open';
    lines.push(
      `  #${r.id} ${when} ${r.via}/${r.trigger} ${state}: ${r.selected} selected; batches: ${kv(r.chunks)}; requests: ${kv(r.requests)}; cost ${usd(r.costUsd)}`,
    );
  }
  lines.push('message batches in flight:');
  if (s.inFlight.length === 0) lines.push('  none');
  for (const c of s.inFlight) {
    const since = c.since ? ` since ${c.since.toISOString()}` : '';
    lines.push(
      `  chunk ${c.chunkId} (run #${c.runId}${c.round > 1 ? `, follow-up round ${c.round}` : ''}) ${c.status} ${c.batchId ?? '(no batch id yet)'}: ${c.requests} requests${c.counts ? ` (${kv(c.counts)})` : ''}${since}`,
    );
  }
  lines.push(`requests by state: ${kv(s.requests)}`);
  lines.push(
    `cost so far: ${usd(s.cost.batchUsd + s.cost.otherUsd)} (${usd(s.cost.batchUsd)} at batch prices + ${usd(s.cost.otherUsd)} realtime tier-ups/shadows); realtime would have cost ${usd(s.cost.realtimeEquivalentUsd)}`,
  );
  return lines.join('\n');
}
