import { applyMetPhrases } from './grading/context-phrases.js';
import {
  genericToolHandler,
  recordVerdictHandler,
  registerToolHandler,
  type ToolHandler,
} from './tools.js';
import { textsOf } from './wire.js';

/**
 * The chief of staff's tool, `propose_revision`, answered deterministically
 * from the request: the file between <file name="…"> tags, the failing
 * (agent, category) from <failure …/>, and the <evidence> JSON. The revision
 * is additive and keeps every id, like a careful editor:
 * - another agent's prompt (agents/triage.md): a section, before
 *   "## Failure categories", listing what to capture — built from what the QC
 *   verdicts said was missing and quoting the thin notes as what not to write;
 * - a QC file section (`## \`id\``): a guidance line from the reviewed cases,
 *   and a `Counts as met: "…"` line from team leads' override quotes, which
 *   the grader honours (grading/context-phrases.ts);
 * - agents/qc-worker.md: a "Lessons from reviewed failures" section.
 *
 * Also wraps `record_verdict` so those `Counts as met` lines take effect.
 */

interface FailureNote {
  kind?: string;
  criterion?: string;
  to?: string;
  quote?: string;
  note?: string;
}
interface TicketEvidence {
  externalId?: string;
  triage?: { notes?: string };
  verdict?: { missing?: string[] };
  failures?: FailureNote[];
}
interface Request {
  file: string;
  content: string;
  agent: string;
  category: string;
  tickets: TicketEvidence[];
}

function readRequest(text: string): Request | undefined {
  const file = /<file name="([^"]+)">\n([\s\S]*?)\n<\/file>/.exec(text);
  const failure = /<failure agent="([^"]+)" category="([^"]+)"/.exec(text);
  const evidence = /<evidence>\n([\s\S]*?)\n<\/evidence>/.exec(text);
  if (!file?.[1] || file[2] === undefined || !failure?.[1] || !failure[2]) return undefined;
  let tickets: TicketEvidence[] = [];
  try {
    tickets = (JSON.parse(evidence?.[1] ?? '{}') as { tickets?: TicketEvidence[] }).tickets ?? [];
  } catch {
    tickets = [];
  }
  return { file: file[1], content: file[2], agent: failure[1], category: failure[2], tickets };
}

/** What a technician needs, keyed by the words QC used when it was missing. */
const DETAILS: Array<[RegExp, string]> = [
  [/who|affected|user|requester/i, 'Who is affected: name, role or team, and how many people.'],
  [
    /system|asset|device|printer|laptop|model|serial/i,
    'Which device or system: hostname, asset tag or model, and its location.',
  ],
  [/error|message|text|code/i, 'The exact error message, quoted, or the name of the screenshot.'],
  [/since|when|time/i, 'When it started, and whether it ever worked.'],
  [/request|asked|scope|outcome/i, 'What the customer asked for, in their words, and by when.'],
];
const ALWAYS = [
  'What the user has already tried.',
  'Impact: what they cannot do, and any deadline.',
];

function agentSection(r: Request): string {
  const said = r.tickets.flatMap((t) => [
    ...(t.verdict?.missing ?? []),
    ...(t.failures ?? []).map((f) => f.note ?? ''),
  ]);
  const items = DETAILS.filter(([re]) => said.some((s) => re.test(s))).map(([, item]) => item);
  const thin = [
    ...new Set(
      r.tickets
        .map((t) => t.triage?.notes?.trim() ?? '')
        .filter((n) => n && n.split(/\s+/).length < 8),
    ),
  ];
  const ids = r.tickets.map((t) => t.externalId).filter(Boolean);
  return [
    `## Before you hand over (${r.category.replace(/_/g, ' ')})`,
    '',
    `Recent notes gave the technician nothing to start from (${ids.join(', ')}). Every note must capture:`,
    '',
    ...[...new Set([...items, ...ALWAYS])].map((i) => `- ${i}`),
    ...(thin.length
      ? [
          '',
          `Never hand over a note like ${thin
            .slice(0, 4)
            .map((n) => `"${n}"`)
            .join(', ')}: if the ticket does not say, write what is unknown under Next step.`,
        ]
      : []),
    '',
  ].join('\n');
}

/** Inserts `section` before `heading`, replacing an earlier copy of it (same first line). */
function insertBefore(content: string, heading: RegExp, section: string): string {
  let lines = content.split('\n');
  const title = section.split('\n')[0] ?? '';
  const old = lines.indexOf(title);
  if (old >= 0) {
    let end = lines.findIndex((l, i) => i > old && /^#{1,2}\s/.test(l));
    if (end < 0) end = lines.length;
    lines = [...lines.slice(0, old), ...lines.slice(end)];
  }
  const at = lines.findIndex((l) => heading.test(l));
  if (at < 0) return `${content.trimEnd()}\n\n${section}`;
  return [...lines.slice(0, at), ...section.split('\n'), ...lines.slice(at)].join('\n');
}

/** Appends lines at the end of the `## \`id\`` section, merging into an existing `Counts as met` line. */
function extendSection(content: string, id: string, guidance: string, phrases: string[]): string {
  const lines = content.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^##\\s+\`${id}\``).test(l));
  if (start < 0) return `${content.trimEnd()}\n\n${guidance}\n`;
  let end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  if (end < 0) end = lines.length;
  while (end > start + 1 && lines[end - 1]?.trim() === '') end--;
  const section = lines.slice(start, end);
  const countsAt = section.findIndex((l) => /^Counts as met:/i.test(l.trim()));
  const known =
    countsAt >= 0 ? [...(section[countsAt] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  const fresh = phrases.filter((p) => !known.includes(p));
  if (countsAt >= 0 && fresh.length)
    section[countsAt] = `${section[countsAt]}, ${fresh.map((p) => `"${p}"`).join(', ')}`;
  if (!section.includes(guidance)) section.push('', guidance);
  if (countsAt < 0 && fresh.length)
    section.push(`Counts as met: ${fresh.map((p) => `"${p}"`).join(', ')}`);
  return [...lines.slice(0, start), ...section, ...lines.slice(end)].join('\n');
}

/** Failure kinds and words that say the machinery failed, not the wording of a file. */
const OPERATIONAL_KINDS = [
  'schema_invalid',
  'invalid_output',
  'api_error',
  'timeout',
  'budget_stop',
];
const OPERATIONAL_WORDS =
  /\b(timed? ?out|timeout|overloaded|rate[ _-]?limit|api error|server error|max_tokens|cut off|truncated before grading|malformed|invalid output|did not call)\b/i;

/**
 * A ticket whose evidence is operational: every failure on it is an
 * operational kind, or what the failures and the verdict say is about the
 * API, cut-off answers or a truncated ticket. Read from the request only.
 */
function operationalTicket(t: TicketEvidence): boolean {
  const failures = t.failures ?? [];
  if (failures.length > 0 && failures.every((f) => OPERATIONAL_KINDS.includes(f.kind ?? '')))
    return true;
  const said = [...failures.map((f) => f.note ?? ''), ...(t.verdict?.missing ?? [])].join(' ');
  return OPERATIONAL_WORDS.test(said);
}

export function revise(r: Request): {
  answer: 'more_context' | 'rewrite' | 'not_a_context_problem';
  revised_file?: string;
  rationale: string;
} {
  const ids = r.tickets
    .map((t) => t.externalId)
    .filter(Boolean)
    .join(', ');
  const operational = r.tickets.filter(operationalTicket);
  if (
    OPERATIONAL_KINDS.includes(r.category) ||
    (r.tickets.length > 0 && operational.length * 2 > r.tickets.length)
  ) {
    return {
      answer: 'not_a_context_problem',
      rationale: `${operational.length} of ${r.tickets.length} tickets (${operational
        .map((t) => t.externalId)
        .filter(Boolean)
        .join(
          ', ',
        )}) failed for operational reasons (API faults, cut-off or malformed answers, truncated tickets), not because context/${r.file} is missing guidance: no wording change would fix them.`,
    };
  }
  if (r.agent !== 'qc-worker') {
    return {
      answer: 'more_context',
      revised_file: insertBefore(r.content, /^##\s+Failure categories/i, agentSection(r)),
      rationale: `The ${r.agent} agent was charged with ${r.category} on ${r.tickets.length} tickets (${ids}). Its prompt says what to write but not which facts a technician needs; the new section lists them, built from what QC found missing.`,
    };
  }
  const notes = r.tickets.flatMap((t) => t.failures ?? []);
  const overrides = notes.filter((n) => n.kind === 'override' && n.to);
  const phrases = [
    ...new Set(
      overrides.filter((n) => n.to === 'met' && n.quote).map((n) => (n.quote ?? '').trim()),
    ),
  ];
  const corrected = [...new Set(overrides.map((n) => n.to))].join('/');
  const guidance = `Reviewed cases (${ids}): team leads and second opinions disagreed with the grade here${corrected ? ` (corrected to ${corrected})` : ''}. Read the agent notes and time entries for this before deciding.`;
  const isSection = new RegExp(`^##\\s+\`${r.category}\``, 'm').test(r.content);
  const revised = isSection
    ? extendSection(r.content, r.category, guidance, phrases)
    : `${r.content.trimEnd()}\n\n## Lessons from reviewed failures\n\n- \`${r.category}\`: ${guidance}\n`;
  return {
    answer: phrases.length ? 'more_context' : 'rewrite',
    revised_file: revised,
    rationale: `${notes.length} failures on ${r.tickets.length} tickets (${ids}) point at \`${r.category}\` in ${r.file}.${phrases.length ? ` Team leads quoted the wording that shows it is met: ${phrases.map((p) => `"${p}"`).join(', ')}.` : ''}`,
  };
}

export const proposeRevisionHandler: ToolHandler = (ctx) => {
  const text = ctx.request.messages
    .filter((m) => m.role === 'user')
    .flatMap((m) => textsOf(m.content))
    .join('\n');
  const req = readRequest(text);
  // Not a chief request (another caller's tool of the same name): the generic instance.
  if (!req) return genericToolHandler(ctx);
  return revise(req);
};

registerToolHandler('propose_revision', proposeRevisionHandler);
registerToolHandler('record_verdict', (ctx) =>
  applyMetPhrases(recordVerdictHandler(ctx) as Record<string, unknown>, ctx.system, ctx.ticketText),
);
