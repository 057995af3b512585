import type { Schema } from '../schema-core.js';
import { conform } from '../schema-instance.js';
import { isObject } from '../wire.js';
import { buildFacts } from './facts.js';
import { findEscalations } from './signals.js';
import { parseTicket } from './ticket.js';

/**
 * The strong model's second opinion on escalations (ticket-qc issue 12): a
 * short call that carries the fired rules' text from escalation.md, the base
 * grader's reasons and the ticket, and asks, per rule, confirm or overturn.
 *
 * Answered from the context rules, as record_verdict is: a rule is confirmed
 * when the simulator's own signal for it (signals.ts) is in the ticket text,
 * overturned when it is not. Rules whose section (`## \`id\``) is not in the
 * request are confirmed: without the rule's text there is nothing to overturn
 * it on. The base grader's reasons are not read — they are what is being
 * checked — and the gold labels are never seen. Escalation signals carry no
 * noise here, as in record_verdict.
 */

export interface SecondOpinionRequest {
  ticketText: string | undefined;
  schema: Schema;
  system: string;
}

/** The rule ids the schema asks about: the properties of `decisions`. */
export function askedRules(schema: Schema): string[] {
  const props = isObject(schema.properties) ? schema.properties : {};
  const decisions = props.decisions;
  if (!isObject(decisions) || !isObject(decisions.properties)) return [];
  return Object.keys(decisions.properties);
}

function maxLength(schema: Schema, field: string): number | undefined {
  const props = isObject(schema.properties) ? schema.properties : {};
  const node = props[field];
  return isObject(node) && typeof node.maxLength === 'number' ? node.maxLength : undefined;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

export function secondOpinion(req: SecondOpinionRequest): Record<string, unknown> {
  const rules = askedRules(req.schema);
  const f = buildFacts(parseTicket(req.ticketText));
  const judged = rules.filter((r) => req.system.includes(`## \`${r}\``));
  // failsRubric is only read by the VIP rule, which asks for no second opinion.
  const fired = new Map(findEscalations(judged, f, false).map((e) => [e.rule, e.reason]));
  const decisions = Object.fromEntries(
    rules.map((r) => [r, judged.includes(r) && !fired.has(r) ? 'overturn' : 'confirm']),
  );
  const overturned = rules.filter((r) => decisions[r] === 'overturn');
  const firstReason = [...fired.values()][0];
  const reason = overturned.length
    ? `No ${overturned.join(', ')} signal in the ticket text.`
    : firstReason
      ? firstReason.replace(/^Signal of /, '')
      : 'The rule applies as the base grader said.';
  const cap = maxLength(req.schema, 'reason') ?? 120;
  return conform({ decisions, reason: clip(reason, cap) }, req.schema, req.schema) as Record<
    string,
    unknown
  >;
}
