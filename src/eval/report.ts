import type { RunHead, RunRow } from '../db/eval-runs.js';
import type { Comparison } from './compare.js';
import type { EvalReport } from './run.js';

/** Plain-text renderings for the CLI: one run in detail, or runs side by side. */

const fx = (x: number | null | undefined, d = 3) =>
  x === null || x === undefined ? '-' : x.toFixed(d);
const num = (x: string | null) => (x === null ? '-' : Number(x).toFixed(3));

export function formatReport(r: EvalReport): string {
  const files = Object.entries(r.fileVersions)
    .map(([f, v]) => `${f} v${v}`)
    .join(', ');
  const perTicket = r.items ? r.costUsd / r.items : 0;
  const lines = [
    `eval #${r.runId}: ${r.dataset} (sha256 ${r.datasetSha256.slice(0, 12)}), ${r.items} labeled tickets` +
      (r.unlabeled ? `, ${r.unlabeled} unlabeled skipped` : '') +
      (r.invalid ? `, ${r.invalid} invalid rows skipped` : ''),
    `model ${r.model} (tier-up ${r.strongModel}), QC context ${r.contextVersion.slice(0, 12)} (${files})`,
    `outcome accuracy ${fx(r.accuracy)} (${r.correct}/${r.items})   Cohen's kappa ${fx(r.kappa)}`,
    `criteria agreement ${fx(r.criteriaAgreement)}   kappa ${fx(r.criteriaKappa)}`,
    ...Object.entries(r.perCriterion).map(
      ([id, a]) =>
        `  ${id.padEnd(24)} agreement ${fx(a.agreement)}  kappa ${fx(a.kappa)}  (n=${a.n})`,
    ),
    `cost $${r.costUsd.toFixed(4)} ($${perTicket.toFixed(5)}/ticket)   latency p50 ${r.latencyP50Ms ?? '-'} ms, p95 ${r.latencyP95Ms ?? '-'} ms   tier-ups ${r.tierUps}   errors ${r.errors}`,
    'escalation by rule (recall = caught/gold, precision = caught/raised):',
    ...(Object.keys(r.byRule).length
      ? Object.entries(r.byRule).map(
          ([id, x]) =>
            `  ${id.padEnd(24)} recall ${fx(x.recall)} (${x.caught}/${x.gold})  precision ${fx(x.precision)} (${x.caught}/${x.raised})${x.gold > 0 && x.caught < x.gold ? `  ← ${x.gold - x.caught} missed` : ''}`,
        )
      : ['  (no rule in gold or raised)']),
    'auto-fail criteria (precision = gold agrees it was not met, of those failed):',
    ...(Object.keys(r.autoFail).length
      ? Object.entries(r.autoFail).map(
          ([id, x]) =>
            `  ${id.padEnd(24)} precision ${fx(x.precision)} (${x.right}/${x.fired})  recall ${fx(x.recall)} (${x.right}/${x.goldNotMet})`,
        )
      : ['  (no auto-fail criterion in rubric.md)']),
    'outcomes (rows gold, columns graded):',
    `  ${''.padEnd(9)}${r.confusion.labels.map((l) => l.padStart(9)).join('')}`,
    ...r.confusion.labels.map(
      (l, i) =>
        `  ${l.padEnd(9)}${(r.confusion.counts[i] ?? []).map((c) => String(c).padStart(9)).join('')}`,
    ),
  ];
  return lines.join('\n');
}

export function formatRuns(rows: RunRow[]): string {
  if (rows.length === 0) return 'no evaluation runs yet: run `ticket-qc eval`';
  const head =
    'run   started              model                         context       n    acc    kappa  crit-k  cost      p50ms';
  return [
    head,
    ...rows.map((r) =>
      [
        `#${r.id}`.padEnd(6),
        r.startedAt.toISOString().slice(0, 19).padEnd(21),
        r.model.padEnd(30),
        r.contextVersion.slice(0, 12).padEnd(14),
        String(r.items).padEnd(5),
        num(r.accuracy).padEnd(7),
        num(r.kappa).padEnd(7),
        num(r.criteriaKappa).padEnd(8),
        `$${Number(r.costUsd).toFixed(4)}`.padEnd(10),
        String(r.latencyP50Ms ?? '-'),
      ].join(''),
    ),
  ].join('\n');
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} pts`;

export function formatComparison(a: RunHead, b: RunHead, c: Comparison): string {
  const label = (r: RunHead) => `#${r.id} ${r.model} context ${r.contextVersion.slice(0, 12)}`;
  const lines = [
    `A: ${label(a)}`,
    `B: ${label(b)}`,
    ...(a.datasetSha256 !== b.datasetSha256
      ? [
          `warning: the runs graded different datasets (${a.dataset} ${a.datasetSha256.slice(0, 12)} vs ${b.dataset} ${b.datasetSha256.slice(0, 12)}); only tickets in both are compared`,
        ]
      : []),
    `${c.paired} tickets in both runs${c.onlyA || c.onlyB ? ` (${c.onlyA} only in A, ${c.onlyB} only in B)` : ''}`,
    `accuracy A ${fx(c.accuracyA)}  B ${fx(c.accuracyB)}  difference ${pct(c.difference)}`,
    `paired bootstrap 95% interval of the difference: ${pct(c.bootstrap.low)} … ${pct(c.bootstrap.high)} (${c.bootstrap.samples} resamples, seed ${c.bootstrap.seed})`,
    `McNemar exact test: ${c.c} fixed by B, ${c.b} broken by B, p = ${c.mcnemarP.toFixed(4)}` +
      (c.mcnemarP < 0.05
        ? ` → B is ${c.c > c.b ? 'better' : 'worse'} (p < 0.05)`
        : ' → no significant difference at this size'),
  ];
  if (c.flips.length) {
    lines.push('per-ticket flips (gold: A → B):');
    for (const f of c.flips)
      lines.push(
        `  ${f.kind.padEnd(8)} ${f.externalId.padEnd(16)} ${f.gold}: ${f.a ?? 'error'} → ${f.b ?? 'error'}`,
      );
  } else lines.push('no ticket changed its outcome');
  return lines.join('\n');
}
