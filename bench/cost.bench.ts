/**
 * `npm run bench -- cost`: what a ticket costs on the examples, per path,
 * with the grading quality beside each figure (issue 12).
 *
 * Every path grades examples/tickets.jsonl through the real product code
 * (`gradeTicket`: prompt, forced tool, validation, repair, tier-ups, shadows)
 * and the real SDK, against the local Anthropic simulator (seed 7, its
 * default noise). The simulator grades from the context/ rules, never from
 * the gold labels, and is not tuned to move these numbers; its token counts
 * come from @anthropic-ai/tokenizer over the exact prompt and the JSON it
 * emits. Costs are those token counts at list prices (src/llm/prices.ts).
 *
 * Paths:
 * - realtime, cached: the product as configured (prompt cache, 2 % shadows,
 *   every second-opinion rule asked: a fresh install has no agreement yet);
 * - realtime, rules earned: the same once every non-pinned second-opinion
 *   rule has earned sampling (10 %); security and data loss stay always-on;
 * - realtime, uncached: the same calls' tokens all billed as plain input
 *   (a hand-written loop around the SDK without cache_control);
 * - all-Sonnet: the strong model as the base model;
 * - batch, follow-ups realtime (QC_BATCH_FOLLOWUPS=realtime): the base call
 *   through Message Batches (half price), repairs, tier-ups and shadows
 *   priced as realtime calls (projected from the realtime run's calls);
 * - batch all the way (the default): measured — every example through the
 *   simulator's Message Batches API, follow-ups as further batch rounds
 *   (./cost-batch.ts drives src/batches/followup.ts as the collector does).
 *
 * The seed's production figure ($0.0119 a ticket, 62 tickets for $0.74 on
 * Haiku) is the reference line; ratios are against it and against
 * all-Sonnet, both in the same table.
 */
import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { readContextDir } from '../src/context/files.js';
import { snapshotOf } from '../src/context/store.js';
import type { LlmCall } from '../src/db/events.js';
import { seededRandom } from '../src/eval/compare.js';
import { loadDataset } from '../src/eval/dataset.js';
import { type EvalItem, summarize } from '../src/eval/metrics.js';
import { evalItemOf } from '../src/eval/run.js';
import { createAnthropic } from '../src/llm/client.js';
import { costOf, PriceTable } from '../src/llm/prices.js';
import { qcContextOf } from '../src/qc/context.js';
import { type GradeSettings, gradeTicket } from '../src/qc/grade.js';
import { gradeThroughBatches } from './cost-batch.js';
import type { SummaryRow } from './report.js';

const SEED_REFERENCE = 0.0119;
const HAIKU = 'claude-haiku-4-5-20251001';
const SONNET = 'claude-sonnet-4-6';
const PINNED = ['security_incident', 'data_loss'];

interface PathRun {
  items: EvalItem[];
  calls: LlmCall[];
  /** Lengths of the free texts of the verdicts, per field, for tuning TEXT_CAPS. */
  texts: Record<string, number[]>;
}

/** Measured on main at 130f054 (before the short second opinion), same seed and examples. */
const BEFORE = {
  fresh: 0.00479,
  earned: 0.00398,
  batch: 0.00322,
  accuracy: 0.734,
  kappa: 0.567,
};

/** Haiku output per verdict before the keyed notes and code-written summary, same seed and examples. */
const KEYED_BEFORE = { commit: 'ef243a4', output: 214 };

/** Haiku uncached input per call before the leaner ticket (src/qc/ticket-text.ts), same seed and examples. */
const LEAN_BEFORE = { commit: '320508a', input: 977, accuracy: 0.734, kappa: 0.567 };

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const sim = await startSimulator({ seed: 7 });
  try {
    const files = await readContextDir('context');
    const ctx = qcContextOf(
      snapshotOf(
        [...files].map(([file, content]) => ({
          file,
          content,
          sha256: file,
          version: 1,
        })) as never,
      ),
    );
    const data = await loadDataset('examples/tickets.jsonl');
    const prices = new PriceTable(undefined);
    const llm = { client: createAnthropic({ baseURL: sim.url, timeoutMs: 60_000 }), prices };
    const criteria = ctx.vocab.criteria.map((c) => c.id);

    const grade = async (
      baseModel: string,
      secondOpinionRate?: (rule: string) => number,
    ): Promise<PathRun> => {
      const settings: GradeSettings = {
        baseModel,
        strongModel: SONNET,
        minConfidence: 0.6,
        shadowRate: 0.02,
        maxTokens: 4096,
      };
      const random = seededRandom(7);
      const items: EvalItem[] = [];
      const calls: LlmCall[] = [];
      const texts: Record<string, number[]> = {};
      const text = (field: string, t: string) => {
        if (t) texts[field] = [...(texts[field] ?? []), t.length];
      };
      let next = 0;
      const worker = async () => {
        for (;;) {
          const item = data.items[next++];
          if (!item) return;
          const out = await gradeTicket(
            { llm, settings, random, ...(secondOpinionRate ? { secondOpinionRate } : {}) },
            ctx,
            item.ticket,
            { purpose: 'grade' },
          );
          calls.push(...out.calls);
          if (out.tier === 'base') {
            for (const c of out.verdict.criteria) {
              text('evidence', c.evidence);
              text('missing', c.missing);
            }
            for (const e of out.verdict.escalations) text('reason', e.reason);
            for (const a of out.verdict.attributions) text('note', a.note);
            // No summary: the code writes it (summaryOf), the model no longer does.
          }
          items.push(evalItemOf(item, out, 0));
        }
      };
      // One at a time: the cache is warm from the second call on, as in a steady stream.
      await worker();
      return { items, calls, texts };
    };

    const usage = (c: LlmCall) => ({
      input_tokens: c.inputTokens,
      output_tokens: c.outputTokens,
      cache_creation_input_tokens: c.cacheCreationTokens,
      cache_read_input_tokens: c.cacheReadTokens,
    });
    const priced = (calls: LlmCall[], how: (c: LlmCall) => number) =>
      calls.reduce((s, c) => s + how(c), 0);
    const asListed = (c: LlmCall) => c.costUsd;
    const uncached = (c: LlmCall) =>
      costOf(prices.get(c.model), {
        input_tokens: c.inputTokens + c.cacheCreationTokens + c.cacheReadTokens,
        output_tokens: c.outputTokens,
      });
    const batchBase = (c: LlmCall) =>
      c.purpose === 'grade' && c.tier === 'base'
        ? costOf(prices.get(c.model), usage(c), { batch: true })
        : c.costUsd;
    const batchAll = (c: LlmCall) => costOf(prices.get(c.model), usage(c), { batch: true });

    const cold = await grade(HAIKU);
    const earned = await grade(HAIKU, (rule) => (PINNED.includes(rule) ? 1 : 0.1));
    const sonnet = await grade(SONNET);
    // The batch path on a simulator of its own: its prompt cache starts cold, as a nightly run's would.
    const throughBatches = async (secondOpinionRate?: (rule: string) => number) => {
      const own = await startSimulator({ seed: 7, batch: { processingMs: 200 } });
      try {
        const client = createAnthropic({ baseURL: own.url, timeoutMs: 60_000 });
        const b = await gradeThroughBatches(
          { client, prices },
          {
            baseModel: HAIKU,
            strongModel: SONNET,
            minConfidence: 0.6,
            shadowRate: 0.02,
            maxTokens: 4096,
          },
          ctx,
          data.items.map((i) => i.ticket),
          seededRandom(7),
          secondOpinionRate ? { secondOpinionRate } : {},
        );
        const r: PathRun = {
          items: data.items.flatMap((item, i) => {
            const out = b.outcomes[i];
            return out ? [evalItemOf(item, out, 0)] : [];
          }),
          calls: b.calls,
          texts: {},
        };
        return { ...r, rounds: b.rounds };
      } finally {
        await own.close();
      }
    };
    const batched = await throughBatches();
    const batchedEarned = await throughBatches((rule) => (PINNED.includes(rule) ? 1 : 0.1));
    const batchAllTheWay: PathRun = batched;

    const n = data.items.length;
    const rows: { path: string; r: PathRun; cost: number }[] = [
      {
        path: 'realtime, cached (fresh install: every second opinion asked)',
        r: cold,
        cost: priced(cold.calls, asListed),
      },
      {
        path: 'realtime, cached, second-opinion rules earned (10 %)',
        r: earned,
        cost: priced(earned.calls, asListed),
      },
      {
        path: 'realtime, uncached (same calls, no prompt cache)',
        r: cold,
        cost: priced(cold.calls, uncached),
      },
      { path: 'all-Sonnet, cached', r: sonnet, cost: priced(sonnet.calls, asListed) },
      {
        path: 'batch, follow-ups realtime (QC_BATCH_FOLLOWUPS=realtime; projected from the realtime calls)',
        r: cold,
        cost: priced(cold.calls, batchBase),
      },
      {
        path: `batch all the way (default; measured: ${batched.rounds.join(' + ')} requests in ${batched.rounds.length} batch rounds)`,
        r: batchAllTheWay,
        cost: priced(batched.calls, asListed),
      },
      {
        path: `batch all the way, second-opinion rules earned (10 %; measured: ${batchedEarned.rounds.join(' + ')} requests)`,
        r: batchedEarned,
        cost: priced(batchedEarned.calls, asListed),
      },
      {
        path: 'batch all the way, projected (the realtime calls at batch price)',
        r: cold,
        cost: priced(cold.calls, batchAll),
      },
    ];
    const sonnetPerTicket = priced(sonnet.calls, asListed) / n;
    const table = rows.map(({ path, r, cost }) => {
      const s = summarize(r.items, criteria);
      const per = cost / n;
      return `| ${path} | $${per.toFixed(5)} | ${(per / SEED_REFERENCE).toFixed(2)} | ${(per / sonnetPerTicket).toFixed(2)} | ${s.accuracy.toFixed(3)} | ${s.kappa?.toFixed(3) ?? '—'} | ${r.items.filter((i) => i.tierUp).length} |`;
    });

    const base = cold.calls.filter((c) => c.tier === 'base' && c.purpose === 'grade');
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const total = priced(cold.calls, asListed);
    const pctOf = (x: number) => `${((100 * x) / total).toFixed(0)} %`;
    const outputCost = priced(cold.calls, (c) =>
      costOf(prices.get(c.model), { input_tokens: 0, output_tokens: c.outputTokens }),
    );
    const haikuOut = avg(base.map((c) => c.outputTokens));
    const haikuIn = avg(base.map((c) => c.inputTokens));

    // Where a ticket's money goes, call kind by call kind.
    const tokenCost = (c: LlmCall, part: 'in' | 'out' | 'read' | 'write') =>
      costOf(prices.get(c.model), {
        input_tokens: part === 'in' ? c.inputTokens : 0,
        output_tokens: part === 'out' ? c.outputTokens : 0,
        cache_read_input_tokens: part === 'read' ? c.cacheReadTokens : 0,
        cache_creation_input_tokens: part === 'write' ? c.cacheCreationTokens : 0,
      });
    const breakdownOf = (calls: LlmCall[]) => {
      const byKind = new Map<string, LlmCall[]>();
      for (const c of calls) {
        const k = `${c.model === HAIKU ? 'Haiku' : 'Sonnet'} ${c.purpose}`;
        byKind.set(k, [...(byKind.get(k) ?? []), c]);
      }
      return [...byKind].map(([k, cs]) => {
        const per = (part: 'in' | 'out' | 'read' | 'write') =>
          `$${((priced(cs, (c) => tokenCost(c, part)) * (cs[0]?.batch ? 0.5 : 1)) / n).toFixed(5)}`;
        return `| ${k} | ${cs.length} | $${(priced(cs, asListed) / n).toFixed(5)} | ${avg(cs.map((c) => c.inputTokens)).toFixed(0)} (${per('in')}) | ${avg(cs.map((c) => c.outputTokens)).toFixed(0)} (${per('out')}) | ${avg(cs.map((c) => c.cacheReadTokens)).toFixed(0)} (${per('read')}) | ${per('write')} |`;
      });
    };
    const breakdown = breakdownOf(cold.calls);
    const caps = Object.entries(cold.texts).map(
      ([field, xs]) => `${field} p99 ${pct(xs, 0.99)} / max ${Math.max(...xs)}`,
    );

    const s = (r: PathRun) => summarize(r.items, criteria);
    const q = (r: PathRun) => {
      const x = s(r);
      return `accuracy ${x.accuracy.toFixed(3)}, κ ${x.kappa?.toFixed(3) ?? '—'}`;
    };
    const freshCost = priced(cold.calls, asListed) / n;
    const earnedCost = priced(earned.calls, asListed) / n;
    const batchCost = priced(batched.calls, asListed) / n;
    const batchRealtimeCost = priced(cold.calls, batchBase) / n;
    const batchEarnedCost = priced(batchedEarned.calls, asListed) / n;
    const sonnetQ = q(sonnet);
    const summary: SummaryRow[] = [
      {
        figure: `$ / ticket realtime, cached, fresh install (${q(cold)}; before ${BEFORE.accuracy} / ${BEFORE.kappa})`,
        value: `$${freshCost.toFixed(5)} (before $${BEFORE.fresh.toFixed(5)})`,
        baseline: `$${sonnetPerTicket.toFixed(5)} (all-Sonnet, ${sonnetQ})`,
        ratio: `${(freshCost / sonnetPerTicket).toFixed(2)}×`,
        goal: '≤ $0.0030, accuracy/κ ≥ 0.734/0.567',
      },
      {
        figure: `$ / ticket realtime, second-opinion rules earned (${q(earned)})`,
        value: `$${earnedCost.toFixed(5)} (before $${BEFORE.earned.toFixed(5)})`,
        baseline: `$${sonnetPerTicket.toFixed(5)} (all-Sonnet)`,
        ratio: `${(earnedCost / sonnetPerTicket).toFixed(2)}×`,
        goal: '≤ $0.0030, accuracy/κ ≥ 0.734/0.567',
      },
      {
        figure: `$ / ticket batch path, batch all the way, measured (${q(batchAllTheWay)})`,
        value: `$${batchCost.toFixed(5)} (rules earned $${batchEarnedCost.toFixed(5)}; follow-ups realtime $${batchRealtimeCost.toFixed(5)}; before $${BEFORE.batch.toFixed(5)})`,
        baseline: `$${sonnetPerTicket.toFixed(5)} (all-Sonnet)`,
        ratio: `${(batchCost / sonnetPerTicket).toFixed(2)}×`,
        goal: '≤ $0.0015, accuracy/κ ≥ 0.734/0.567',
      },
    ];

    const markdown = [
      `${n} example tickets, simulator seed 7 (keyword rules over context/, never the gold labels; not tuned to these figures). List prices: ${HAIKU} and ${SONNET} from src/llm/prices.ts. Beside each cost, the outcome accuracy and κ of the same run against the gold labels: simulator figures, they show that the pipeline kept its verdicts, not how well a model grades.`,
      '',
      '| path | $ / ticket | × seed $0.0119 | × all-Sonnet | outcome accuracy | outcome κ | tier-ups |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| reference: the seed's production case (62 tickets, $0.74, Haiku) | $${SEED_REFERENCE.toFixed(5)} | 1.00 | ${(SEED_REFERENCE / sonnetPerTicket).toFixed(2)} | — | — | — |`,
      ...table,
      '',
      `Before (main at 130f054, same seed, same examples; the second opinion was a full Sonnet re-grade of ~219 output tokens): realtime fresh install $${BEFORE.fresh}, rules earned $${BEFORE.earned}, batch path $${BEFORE.batch}; outcome accuracy ${BEFORE.accuracy}, κ ${BEFORE.kappa}. Goals (issue 12): ≤ $0.0030 realtime and ≤ $0.0015 batch with accuracy/κ no worse.`,
      '',
      "Where a fresh-install realtime ticket's money goes, per call kind ($ per ticket over all examples; tokens per call, with their $ per ticket):",
      '',
      '| calls | n | $ / ticket | uncached input | output | cache read | cache write |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...breakdown,
      '',
      'The same for the batch path, batch all the way (measured; batch prices):',
      '',
      '| calls | n | $ / ticket | uncached input | output | cache read | cache write |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...breakdownOf(batched.calls),
      '',
      `Per Haiku verdict (realtime, cached): ${haikuOut.toFixed(0)} output tokens (${KEYED_BEFORE.output} before notes keyed by criterion and the code-written summary, main at ${KEYED_BEFORE.commit}), ${haikuIn.toFixed(0)} uncached input tokens per call (313 of them the API's tool-use overhead, which the simulator bills as uncached input), ${avg(base.map((c) => c.cacheReadTokens)).toFixed(0)} cache-read tokens (the context/ files and the tool definition).`,
      `Free-text lengths of the Haiku verdicts, in characters (for TEXT_CAPS in src/context/verdict.ts): ${caps.join('; ')}.`,
      `The leaner ticket (src/qc/ticket-text.ts: no updatedAt, no ids beside a name, no empty tags or custom fields, no default public/threadIncomplete, no :00 seconds) took the uncached input from ${LEAN_BEFORE.input} to ${haikuIn.toFixed(0)} tokens a call (main at ${LEAN_BEFORE.commit}). The simulator keys its noise on the ticket JSON it receives, so any change to what is sent re-draws the simulated mistakes of the base grader: the accuracy/κ moving from ${LEAN_BEFORE.accuracy}/${LEAN_BEFORE.kappa} is that re-draw, not better grading; with the noise off, all 184 verdicts are identical before and after.`,
      `Output: the ${haikuOut.toFixed(0)} tokens of a verdict are results (~63), notes (~55), evidence (~28), patterns (~13) and confidence (~7), all of them judgements; score, outcome and summary are already computed by the code.`,
      "Second opinion (Sonnet tier_up) not cached, on purpose. Its stable part — the instructions, the fired rules' sections of escalation.md and a tool whose schema names the asked rules — is ~410 tokens, under Sonnet 4.6's 1,024-token minimum (https://platform.claude.com/docs/en/build-with-claude/prompt-caching); the rest is the ticket, the base grader's reasons and 313 tokens of tool-use overhead. Sending all of escalation.md behind a cache_control breakpoint makes a ~1,900-token prefix, but tools come first in the prefix and the tool differs per rule set, so each rule set (3 on the examples: security_incident, legal_or_churn_threat, grader_instruction) pays its own write at 1.25×. Measured at 320508a: tier_up $0.00064 → $0.00067 a ticket (fresh install), batch all the way $0.00204 → $0.00209, even though this run fits in one 5-minute TTL. A write pays for itself after ~9 reads of the same rule set in a chain of less than 5 minutes between calls: ≥ ~2.3 second opinions of that rule per 5 minutes (~28 an hour; ~370 tickets an hour for security_incident at its 7.6 % share of the examples). One tool naming every second-opinion rule (one cache entry) gets an answer for every rule it names (the simulator answers each one the schema lists): 34 → 69 output tokens a call in a trial run, which eats the saving.",
      'Sonnet shadow (2 % of tickets) is cached like the base call: about half of its cost per ticket is the one 5-minute write of its ~9,600-token prefix (1.25×), spread over this 184-ticket run, which takes seconds. In production the prefix stays warm only with a shadow at least every 5 minutes (≥ ~600 tickets an hour at 2 %); below that every shadow pays the write ($0.036 at list price, $0.00072 a ticket at 2 %), more than sending the prefix uncached ($0.029).',
      `Before issue 12 (commit fce4c2d, same simulator seed): 442 output tokens a verdict, 1,210 uncached input tokens a call; realtime $0.0065–0.0068 a ticket (eval / demo), batch path $0.0035; outcome accuracy 0.734, κ 0.567.`,
      `Where the money goes (realtime, cached, fresh install): output ${pctOf(outputCost)}, strong-model calls ${pctOf(
        priced(
          cold.calls.filter((c) => c.tier === 'strong'),
          asListed,
        ),
      )}.`,
    ].join('\n');
    return { markdown, summary };
  } finally {
    await sim.close();
  }
}
