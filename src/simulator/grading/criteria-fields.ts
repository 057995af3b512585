import type { Judgment } from './criteria.js';
import type { Facts } from './facts.js';
import { findSecret } from './secrets.js';
import { findHit, quote } from './text.js';

/** Rules for the criteria judged from ticket fields: classification and no_secrets. */

const PRIORITY_LEVEL: Record<string, number> = {
  low: 0,
  normal: 1,
  medium: 1,
  high: 2,
  urgent: 3,
  critical: 3,
};
const URGENT =
  /\b(outage|site[- ]wide|all (users|staff|employees)|everyone|whole (office|company|site)|nobody can|entire (office|company|site)|ransomware|server (is )?down|production (is )?down)\b/i;
const LOW =
  /\b(no rush|when you (get a chance|have time)|not urgent|low priority|whenever|how (do|can) i|font|wallpaper)\b/i;
const GENERIC_CATEGORY = /^(general|other|misc|miscellaneous|unknown|none|uncategori[sz]ed)$/i;

export const TOPICS: Record<string, RegExp> = {
  email: /\b(e-?mail|outlook|mailbox|exchange|ndr|smtp|inbox|mail)\b/i,
  printing: /\b(printer|printing|print|toner|scanner|mfp|copier)\b/i,
  network: /\b(vpn|wi-?fi|network|internet|firewall|switch|dns|dhcp|router)\b/i,
  account: /\b(password|locked out|lockout|account|log ?in|sign[- ]in|mfa|2fa|access)\b/i,
  backup: /\b(backup|restore|replication)\b/i,
  security: /\b(phishing|malware|virus|ransomware|breach|compromised|security)\b/i,
  hardware: /\b(laptop|desktop|monitor|keyboard|mouse|dock|pc|workstation|hardware)\b/i,
  onboarding: /\b(new (user|starter|hire|employee)|onboard(ing)?|offboard(ing)?|leaver)\b/i,
};

function topicsOf(text: string): string[] {
  return Object.entries(TOPICS)
    .filter(([name, re]) => re.test(text) || text.toLowerCase().includes(name))
    .map(([name]) => name);
}

export function priorityProblem(
  f: Facts,
): { steps: number; evidence: string; wanted: string } | undefined {
  const level = PRIORITY_LEVEL[f.t.priority];
  if (level === undefined) return undefined;
  // Impact is judged from what the customer and the description say, not from the technician's notes.
  const reported = [...f.statement, ...f.customerComments.map((c) => c.body)];
  const urgent = findHit(reported, URGENT, { negatable: true });
  if (urgent && level < 3) return { steps: 3 - level, evidence: quote(urgent), wanted: 'urgent' };
  const low = findHit(f.statement, LOW);
  if (low && level > 1) return { steps: level - 1, evidence: quote(low), wanted: 'low or normal' };
  return undefined;
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
  const statedTopics = topicsOf(f.statement.join(' '));
  const categoryTopics = topicsOf(category);
  const mismatch =
    statedTopics.length > 0 &&
    categoryTopics.length > 0 &&
    !categoryTopics.some((c) => statedTopics.includes(c));
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
