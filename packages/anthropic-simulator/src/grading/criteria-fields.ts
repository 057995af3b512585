import type { Judgment } from './criteria.js';
import type { Facts } from './facts.js';
import { findSecret } from './secrets.js';
import { findHit, firstSentence, quote } from './text.js';

/** Rules for the criteria judged from ticket fields: classification and no_secrets. */

const PRIORITY_LEVEL: Record<string, number> = {
  low: 0,
  normal: 1,
  medium: 1,
  high: 2,
  urgent: 3,
  critical: 3,
};
/** standards.md priority matrix: urgent = a whole site or company cannot work, a server or line-of-business system is down, or a suspected security incident. */
const URGENT =
  /\b(outage|site[- ]wide|office[- ]wide|company[- ]wide|all (users|staff|employees|computers|pcs|machines|phones)|everyone|everybody|whole (office|company|site|building|practice|firm|business)|entire (office|company|site|building|practice|firm|business)|nobody (can|is able)|no one (can|is able)|(server|servers|file server|network|internet|phones|phone system|erp|crm|line[- ]of[- ]business( system| app)?|database|website|practice management|accounting system) (is |are |has |have )?(gone )?(down|offline|unavailable)|ransomware|files (are |were )?encrypted|compromised|security breach|data breach|hacked|malware)\b/i;
/** high = a team or a VIP is blocked, or one critical system is degraded for many. */
const HIGH =
  /\b((several|multiple|many|a few|two|three|four|five|six|[2-9]|\d{2,}) (users|people|staff|colleagues|employees|members|of (us|our team|the team))|(whole|entire) (team|department|floor)|(all|everyone) (in|of|at|on) (the )?(finance|accounts|sales|hr|marketing|team|department|front desk|reception|floor))\b/i;
const VIP = /\b(vip|ceo|cfo|coo|managing (director|partner)|owner)\b/i;
/** Things that may justify urgent without an explicit outage word. */
const SHARED_OR_SECURITY =
  /\b(compromis\w*|fake|forwarding rule|revoked sessions|incident|server|servers|network|internet|firewall|backup|domain|site|office|building|phones?|switch|router|wan|isp|line|phishing|suspicious|virus|breach|unauthori[sz]ed|stolen|lost (laptop|phone|device)|mfa|sign-?ins?|security|deadline|payroll)\b/i;
/** low = requests, questions and changes with no current impact. */
const LOW =
  /\b(no rush|when you (get a chance|have time|can)|not urgent|low priority|whenever|how (do|can|to|should) (i|we)|quick question|font|wallpaper|quote for|next (week|month)|starts? (on|next))\b/i;
const GENERIC_CATEGORY = /^(general|other|misc|miscellaneous|unknown|none|uncategori[sz]ed)$/i;

export const TOPICS: Record<string, RegExp> = {
  email: /\b(e-?mail|outlook|mailbox|exchange|ndr|smtp|inbox|mail)\b/i,
  printing: /\b(printer|printing|print|toner|scanner|mfp|copier)\b/i,
  network: /\b(vpn|wi-?fi|network|internet|firewall|switch|dns|dhcp|router)\b/i,
  account: /\b(password|locked out|lockout|account|log ?in|sign[- ]in|mfa|2fa|access)\b/i,
  backup: /\b(backup|restore|replication)\b/i,
  security:
    /\b(phishing|malware|virus|ransomware|breach|compromised|security|suspicious|scam|spoof(ed|ing)?|fraud(ulent)?|hacked)\b/i,
  hardware: /\b(laptop|desktop|monitor|keyboard|mouse|dock|pc|workstation|hardware)\b/i,
  onboarding: /\b(new (user|starter|hire|employee)|onboard(ing)?|offboard(ing)?|leaver)\b/i,
};

function topicsOf(text: string): string[] {
  return Object.entries(TOPICS)
    .filter(([name, re]) => re.test(text) || text.toLowerCase().includes(name))
    .map(([name]) => name);
}

export interface PriorityProblem {
  steps: number;
  evidence: string;
  wanted: string;
}

/**
 * How far `priority` is from what the priority matrix gives for `reported`
 * (what the customer and the description say). Only clear cases count: an
 * urgent or high signal under-prioritised, a request or question at high or
 * above, or a one-user problem at urgent. One step too high on a judgement
 * call is allowed (triage.md: when unsure, pick the higher level).
 */
export function priorityGap(
  f: Facts,
  priority: string,
  reported: readonly string[],
  context: readonly string[] = reported,
): PriorityProblem | undefined {
  const level = PRIORITY_LEVEL[priority];
  if (level === undefined) return undefined;
  const urgent = findHit(reported, URGENT, { negatable: true });
  if (urgent)
    return level < 3 ? { steps: 3 - level, evidence: quote(urgent), wanted: 'urgent' } : undefined;
  const team = findHit(reported, HIGH, { negatable: true });
  const vip = f.symptom ? findHit(reported, VIP) : undefined;
  const high = team ?? vip;
  if (high)
    return level < 2 ? { steps: 2 - level, evidence: quote(high), wanted: 'high' } : undefined;
  const low = findHit(f.statement, LOW);
  if (low && level > 1) return { steps: level - 1, evidence: quote(low), wanted: 'low or normal' };
  if (f.serviceRequest && !f.symptom && level > 1)
    return { steps: level - 1, evidence: firstSentence(f.t.subject), wanted: 'low or normal' };
  if (level === 3 && !f.alert && !context.some((t) => SHARED_OR_SECURITY.test(t)))
    return { steps: 2, evidence: quote(f.symptom) || firstSentence(f.t.subject), wanted: 'normal' };
  return undefined;
}

function priorityProblem(f: Facts): PriorityProblem | undefined {
  // Impact is judged from what the customer and the description say, not from the technician's notes.
  // What the technician found (a security incident behind "can't send mail") can justify urgent.
  const reported = [...f.statement, ...f.customerComments.map((c) => c.body)];
  return priorityGap(f, f.t.priority, reported, [...reported, ...f.agentTexts]);
}

export function classification(f: Facts): Judgment {
  const category = f.t.category.trim();
  if (category === '')
    return { result: 'missing', evidence: '', missing: 'The ticket has no category.' };
  const priority = priorityProblem(f);
  if (priority && priority.steps >= 2) {
    return {
      result: 'missing',
      evidence: priority.evidence,
      missing: `Priority ${f.t.priority} is ${priority.steps} steps from what the impact suggests (${priority.wanted}).`,
    };
  }
  // The final category may follow what the technician found ("can't send mail" → Security).
  const statedTopics = topicsOf(f.statement.join(' '));
  const foundTopics = topicsOf(f.agentTexts.join(' '));
  const categoryTopics = topicsOf(category);
  const mismatch =
    statedTopics.length > 0 &&
    categoryTopics.length > 0 &&
    !categoryTopics.some((c) => statedTopics.includes(c) || foundTopics.includes(c));
  if (GENERIC_CATEGORY.test(category) || mismatch || priority) {
    const why = priority
      ? `Priority ${f.t.priority} is one step off (${priority.wanted} fits the impact).`
      : mismatch
        ? `Category "${category}" does not fit a ${statedTopics[0]} problem.`
        : `Category "${category}" is generic where a specific one fits.`;
    return { result: 'partial', evidence: priority?.evidence ?? '', missing: why };
  }
  return { result: 'met', evidence: '', missing: '' };
}

export function noSecrets(f: Facts): Judgment {
  const secret = findSecret(f.allTexts);
  if (!secret) return { result: 'met', evidence: '', missing: '' };
  return secret.severity === 'clear'
    ? {
        result: 'missing',
        evidence: secret.evidence,
        missing: 'A credential appears in clear text; redact it and rotate it.',
      }
    : {
        result: 'partial',
        evidence: secret.evidence,
        missing: 'A secret is partly exposed or was sent over an insecure channel.',
      };
}
