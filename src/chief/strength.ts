import type { Backtest, NotBacktested } from './backtest.js';
import type { CandidateEvent } from './detect.js';

/**
 * How strong a proposal's evidence is, in numbers a team lead reads in ten
 * seconds, and one plain-language sentence on why it is likely real — or
 * the cautions when it is not. Stored with the proposal (`strength`), shown
 * by `proposals show` and on the review page.
 */

export interface Strength {
  /** Distinct tickets (source, external id) with a failure of the pair. */
  tickets: number;
  /** Failure events behind them (regrades repeat a ticket's failures). */
  events: number;
  firstAt: string;
  lastAt: string;
  /** Days between the first and the last failure, one decimal. */
  days: number;
  /** The rule, criterion, pattern or failure kind involved. */
  involves: { kind: string; id: string };
  /** Tickets by the kind of evidence they carry. */
  sources: Record<string, number>;
  /** Shadow disagreements left out: no override or gold label said which side was right. */
  unadjudicated: number;
  backtest?: {
    fixed: number;
    unchanged: number;
    regressed: number;
    errors: number;
    costUsd: number;
    triggers: number;
    controls: number;
  };
  /** fixed − regressed: the order in which proposals reach a lead. */
  expectedGain: number;
  why: string;
  cautions: string[];
}

const DAY = 86_400_000;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const SOURCE_WORDS: Record<string, string> = {
  override: 'a team-lead override',
  shadow_disagreement: 'a shadow disagreement a lead or gold label settled',
  attribution: "the QC worker's attribution",
  low_confidence: 'a low-confidence verdict',
};

export function strengthOf(args: {
  events: CandidateEvent[];
  involves: { kind: string; id: string };
  unadjudicated: number;
  backtest: Backtest | NotBacktested | null;
  /** A triage proposal: its backtest re-ran the intake check, not a QC regrade. */
  intakeCheckOnly?: boolean;
}): Strength {
  const { events } = args;
  const keyOf = (e: CandidateEvent) => e.ticketKey ?? String(e.ticketId);
  const tickets = new Set(events.map(keyOf));
  const sources: Record<string, number> = {};
  const perKind = new Map<string, Set<string>>();
  for (const e of events) {
    const kind = typeof e.details.kind === 'string' ? e.details.kind : 'failure';
    perKind.set(kind, (perKind.get(kind) ?? new Set()).add(keyOf(e)));
  }
  for (const [k, s] of perKind) sources[k] = s.size;
  const times = events.map((e) => new Date(e.occurredAt).getTime());
  const first = Math.min(...times);
  const last = Math.max(...times);
  const days = Math.round(((last - first) / DAY) * 10) / 10;
  const bt = args.backtest?.kind === 'regrade' ? args.backtest : undefined;
  const backtest = bt
    ? {
        ...bt.summary,
        costUsd: bt.costUsd,
        triggers: bt.tickets.filter((t) => t.role === 'trigger').length,
        controls: bt.tickets.filter((t) => t.role === 'control').length,
      }
    : undefined;
  const cautions: string[] = [];
  if (days < 1)
    cautions.push('every failure came within one day: possibly one batch or one incident');
  if (!sources.override && !sources.shadow_disagreement)
    cautions.push(
      "no team lead or gold label confirmed the failures: they are the QC worker's own reading",
    );
  if (args.unadjudicated > 0)
    cautions.push(
      `${plural(args.unadjudicated, 'shadow disagreement')} left out: nobody said whether Haiku or Sonnet was right`,
    );
  if (args.backtest?.kind === 'not_applicable')
    cautions.push("not backtested (another agent's prompt): judge it by the evidence");
  if (args.intakeCheckOnly)
    cautions.push(
      'backtested on the intake check only: it shows what triage would ask for, not whether its notes would have been better',
    );
  if (backtest && backtest.errors > 0)
    cautions.push(`${plural(backtest.errors, 'backtest ticket')} could not be graded`);

  const said = Object.entries(sources)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} from ${SOURCE_WORDS[k] ?? k.replace(/_/g, ' ')}`)
    .join(', ');
  const parts = [
    `${plural(tickets.size, 'distinct ticket')} over ${days < 1 ? 'less than a day' : plural(days, 'day')} failed on ${args.involves.kind} \`${args.involves.id}\` (${said})`,
  ];
  if (backtest)
    parts.push(
      `re-grading with the change fixed ${backtest.fixed} of ${backtest.triggers} cited tickets and changed ${backtest.regressed} of ${backtest.triggers + backtest.controls} checked`,
    );
  const why = `${parts.join('; ')}.`;
  return {
    tickets: tickets.size,
    events: events.length,
    firstAt: new Date(first).toISOString(),
    lastAt: new Date(last).toISOString(),
    days,
    involves: args.involves,
    sources,
    unadjudicated: args.unadjudicated,
    ...(backtest ? { backtest } : {}),
    expectedGain: backtest ? backtest.fixed - backtest.regressed : 0,
    why,
    cautions,
  };
}

/** One block of plain text: the CLI prints it, the page renders the same fields. */
export function strengthLines(s: Strength): string[] {
  return [
    `Evidence: ${s.tickets} distinct tickets, ${s.events} failure events, ${s.days} days (${s.firstAt.slice(0, 10)} → ${s.lastAt.slice(0, 10)}), ${s.involves.kind} \`${s.involves.id}\``,
    ...(s.backtest
      ? [
          `Backtest: ${s.backtest.fixed} fixed, ${s.backtest.unchanged} unchanged, ${s.backtest.regressed} regressed, cost $${s.backtest.costUsd.toFixed(4)}`,
        ]
      : []),
    `Why this is likely real: ${s.why}`,
    ...s.cautions.map((c) => `  caution: ${c}`),
  ];
}
