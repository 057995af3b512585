/**
 * The text of each notification. Plain text with Slack mrkdwn that reads
 * fine unrendered; ids and commands are included so a team lead can act from
 * the message.
 */

export interface EscalationNotice {
  ticketId: number;
  externalId?: string | undefined;
  subject?: string | undefined;
  resultId?: number | undefined;
  escalations: { rule: string; reason: string }[];
}

export interface ProposalNotice {
  id: number;
  agent: string;
  category: string;
  file: string;
  tickets: number;
  failures: number;
  answer?: string | undefined;
  backtest?: { fixed: number; unchanged: number; regressed: number } | undefined;
  /** The chief's plain-language "why this is likely real". */
  why?: string | undefined;
}

/** Operational failures that repeated: for whoever runs the fleet, not a context review. */
export interface OperationalNotice {
  id: number;
  agent: string;
  category: string;
  tickets: number;
  failures: number;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Untrusted text (ticket subjects, ids, model-written reasons) made inert for
 * Slack mrkdwn: `&`, `<` and `>` are its control characters (`<!channel>`,
 * `<https://…|label>`), escaped as HTML entities as Slack's formatting
 * reference asks (https://api.slack.com/reference/surfaces/formatting#escaping).
 * Line breaks are folded so one field cannot fake further lines of the message.
 * Teams and Mattermost show the entities' text unchanged or decoded; neither
 * turns them into mentions or links.
 */
function inert(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Inside a code span: also no backtick, which would end the span early. */
const code = (text: string) => `\`${inert(text).replace(/`/g, "'")}\``;

export function escalationText(e: EscalationNotice): string {
  const name = e.externalId
    ? `${inert(clip(e.externalId, 80))} (#${e.ticketId})`
    : `#${e.ticketId}`;
  const lines = [
    `:rotating_light: Ticket ${name}${e.subject ? ` "${inert(clip(e.subject, 80))}"` : ''} needs a team lead:`,
    ...e.escalations.map((x) => `• ${code(x.rule)} — ${inert(clip(x.reason, 200))}`),
    'Review with `ticket-qc escalations`.',
  ];
  return lines.join('\n');
}

export function proposalText(p: ProposalNotice): string {
  const bt = p.backtest
    ? `Backtest: ${p.backtest.fixed} fixed, ${p.backtest.unchanged} unchanged, ${p.backtest.regressed} regressed.`
    : "Not backtested (another agent's prompt): judge it by the evidence.";
  return [
    `:memo: Proposal #${p.id}: revise ${code(`context/${p.file}`)} after ${p.failures} ${code(`${p.agent}/${p.category}`)} failures on ${p.tickets} tickets` +
      (p.answer
        ? ` (${p.answer === 'more_context' ? 'needs more context' : 'needs a rewrite'}).`
        : '.'),
    bt,
    ...(p.why ? [`Why: ${inert(clip(p.why, 400))}`] : []),
    `Review with \`ticket-qc proposals show ${p.id}\`, then \`approve\` or \`reject\`.`,
  ].join('\n');
}

export function operationalText(n: OperationalNotice): string {
  return [
    `:wrench: System health #${n.id}: ${n.failures} ${code(`${n.agent}/${n.category}`)} failures on ${n.tickets} tickets.`,
    'This is operational (the model API, malformed answers, timeouts or the budget), not a context problem: no proposal was made.',
    'Check `ticket-qc failed`, `ticket-qc costs` and the System health section of /review/proposals.',
  ].join('\n');
}
