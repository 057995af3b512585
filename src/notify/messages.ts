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
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function escalationText(e: EscalationNotice): string {
  const name = e.externalId ? `${e.externalId} (#${e.ticketId})` : `#${e.ticketId}`;
  const lines = [
    `:rotating_light: Ticket ${name}${e.subject ? ` "${clip(e.subject, 80)}"` : ''} needs a team lead:`,
    ...e.escalations.map((x) => `• \`${x.rule}\` — ${clip(x.reason, 200)}`),
    'Review with `ticket-qc escalations`.',
  ];
  return lines.join('\n');
}

export function proposalText(p: ProposalNotice): string {
  const bt = p.backtest
    ? `Backtest: ${p.backtest.fixed} fixed, ${p.backtest.unchanged} unchanged, ${p.backtest.regressed} regressed.`
    : "Not backtested (another agent's prompt): judge it by the evidence.";
  return [
    `:memo: Proposal #${p.id}: revise \`context/${p.file}\` after ${p.failures} \`${p.agent}/${p.category}\` failures on ${p.tickets} tickets` +
      (p.answer
        ? ` (${p.answer === 'more_context' ? 'needs more context' : 'needs a rewrite'}).`
        : '.'),
    bt,
    `Review with \`ticket-qc proposals show ${p.id}\`, then \`approve\` or \`reject\`.`,
  ].join('\n');
}
