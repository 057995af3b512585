import type { Judgment } from './criteria.js';
import { priorityProblem, TOPICS } from './criteria-fields.js';
import { type Facts, RESTART } from './facts.js';
import { findSecret } from './secrets.js';
import { findHit, quote, wordCount } from './text.js';

/**
 * Escalation rules, known patterns and attributions, each from textual
 * signals. Ids the simulator has no rule for never fire.
 */

export interface Escalation {
  rule: string;
  reason: string;
}

const SIGNALS: Record<string, { re: RegExp; why: string }> = {
  security_incident: {
    re: /\b(ransomware|clicked (on )?(a|the|an) (phishing|suspicious|malicious) (link|e-?mail|attachment)|phishing (link|e-?mail)? ?(was )?clicked|entered (her|his|their|my) (password|credentials)|(data|security) breach|been breached|compromised|malware|virus (detected|found)|unauthori[sz]ed (access|log ?in|sign-?in)|suspicious (log ?in|sign-?in)s?|impossible travel|files (are |were |got )?encrypted|hacked)\b/i,
    why: 'possible security incident',
  },
  data_loss: {
    re: /\b(data (loss|lost)|lost (all |the |my |our |some )?(data|files|e-?mails|work|documents)|(files|folders?|data|e-?mails?|documents?) (were |was |got |have been |has been )?(deleted|lost|gone|wiped|overwritten|corrupted)|deleted (the |all |a |some )?(files|folders?|data|mailbox|e-?mails)|backups? (has |have )?(failed|been failing)[^.\n]{0,80}\b(restore|lost|missing|recover|need)|(cannot|can't|unable to) (restore|recover))\b/i,
    why: 'data lost or at risk',
  },
  legal_or_churn_threat: {
    re: /\b(lawyers?|attorney|solicitors?|legal action|sue|suing|lawsuit|court|cancel (our|the|my) (contract|service|subscription)|terminate (our|the) (contract|agreement)|switch(ing)? (to another|providers?|msp)|another provider|(find|look for|looking for) a new (provider|msp|it (company|support))|take our business elsewhere)\b/i,
    why: 'legal threat or risk of losing the customer',
  },
  billing_dispute: {
    re: /\b(overcharged|over-?billed|refund|charged twice|double[- ]charged|billing (error|dispute)|disput\w* (the |this |our )?(charge|invoice|bill)|wrong (amount|invoice)|invoice (is )?(wrong|incorrect))\b/i,
    why: 'billing or invoice dispute',
  },
  vip_or_sla_breach: {
    re: /\b(vip|ceo|cfo|coo|managing director|sla (was |has been )?(breach(ed)?|missed)|breach(ed)? (of )?(the |our )?sla|missed (the |our )?sla|outside (the |our )?sla)\b/i,
    why: 'VIP requester or SLA breach',
  },
  grader_instruction: {
    re: /\b(ignore (all |any )?(your|previous|prior|the above|above|earlier|the) (instructions|rules|rubric)|disregard (the|your|all) (rubric|instructions|rules)|mark (this|the) (ticket )?as (a )?(pass|passed|met|compliant)|qc (bot|grader|reviewer|ai)|dear (grader|reviewer|ai|assistant|bot)|(give|score|rate) (this|the) (ticket )?(a )?(100|full marks|perfect score|pass)|new instructions:|system prompt)\b/i,
    why: 'ticket text tries to instruct the grader',
  },
};

export function findEscalations(ruleIds: readonly string[], f: Facts): Escalation[] {
  const out: Escalation[] = [];
  for (const rule of ruleIds) {
    if (rule === 'cannot_judge') {
      if (!f.t.found || f.totalWords < 5) {
        out.push({ rule, reason: 'The ticket has too little text to grade against the rubric.' });
      }
      continue;
    }
    const signal = SIGNALS[rule];
    if (!signal) continue;
    const hit = findHit(f.allTexts, signal.re, { negatable: rule !== 'grader_instruction' });
    if (hit) out.push({ rule, reason: `Signal of ${signal.why}: "${quote(hit, 140)}"` });
  }
  return out;
}

const has = (f: Facts, re: RegExp) => findHit(f.allTexts, re, { negatable: true }) !== undefined;
const PASSWORD_RESET = /\bpassword (reset|change)|reset (the |her |his |their )?password\b/i;
const IDENTITY =
  /\b(verified (identity|caller|the user)|identity (was )?(verified|confirmed|checked)|call(ed)? back|callback|security question|manager (approval|approved)|verified via|id check|known number)\b/i;
const ASSET_ID =
  /\b(model|asset|serial|s\/n|tag)\b|\b[A-Z]{2,}[-_]?\d{2,}\b|\b(hp|canon|ricoh|brother|xerox|kyocera|epson|lexmark)\s+\w*\d/i;
const VERSION = /\bversion\b|\bv?\d+\.\d+(\.\d+)?\b/i;
const MAILBOX_FULL =
  /\b(mailbox (is )?(full|over quota|almost full)|quota|storage (is )?full|50 ?gb)\b/i;
const RETENTION = /\b(archiv\w*|retention|auto-?archive|clean ?up|mrm|online archive)\b/i;
const ONBOARDING = /\b(new (user|starter|hire|employee)|onboard(ing)?)\b/i;
const LICENSE =
  /\b(licen[cs]e|e3|e5|business (premium|standard|basic)|sku|m365|microsoft 365|office 365)\b/i;
const BACKUP_FAILED =
  /\bbackups? (job )?(has |have )?(failed|failing|errored|did not run)|failed backup\b/i;
const RETESTED =
  /\b(re-?ran|re-?run|retest(ed)?|test restore|ran (it |the job )?again|completed successfully|successful backup|succeeded)\b/i;
const DUPLICATE =
  /\b(duplicate|same (issue|problem) as|already reported|already (have|has) a ticket)\b/i;
const LINKED = /\b(linked|merged|#\d+|ticket \d+|parent ticket)\b/i;
const OUTAGE =
  /\b(outage|site[- ]wide|all (users|staff)|everyone|whole (office|site)|nobody can)\b/i;
const INCIDENT = /\b(incident|inc\d+|major incident|status page|problem ticket)\b/i;

const PATTERN_RULES: Record<string, (f: Facts, r: Map<string, Judgment>) => boolean> = {
  password_reset_no_identity_check: (f) => has(f, PASSWORD_RESET) && !has(f, IDENTITY),
  reboot_no_root_cause: (f, r) =>
    findHit(f.agentTexts, RESTART) !== undefined && r.get('root_cause')?.result === 'missing',
  printer_no_model_or_asset: (f) => has(f, TOPICS.printing ?? /printer/i) && !has(f, ASSET_ID),
  vpn_no_client_version: (f) => has(f, /\bvpn\b/i) && !has(f, VERSION),
  closed_without_customer_confirmation: (f, r) =>
    f.closed &&
    !f.alert &&
    (f.t.requester !== '' || f.customerComments.length > 0) &&
    ['missing', 'partial'].includes(r.get('resolution_verified')?.result ?? ''),
  mailbox_full_no_retention_advice: (f) => has(f, MAILBOX_FULL) && !has(f, RETENTION),
  onboarding_missing_license_details: (f) => has(f, ONBOARDING) && !has(f, LICENSE),
  backup_failure_not_retested: (f) => has(f, BACKUP_FAILED) && !has(f, RETESTED),
  time_logged_without_notes: (f) =>
    f.t.timeEntries.some((e) => e.minutes > 0 && wordCount(e.note) === 0),
  duplicate_ticket_not_linked: (f) => has(f, DUPLICATE) && !has(f, LINKED),
  outage_no_incident_link: (f) =>
    findHit([...f.statement, ...f.customerComments.map((c) => c.body)], OUTAGE, {
      negatable: true,
    }) !== undefined && !has(f, INCIDENT),
  credentials_in_notes: (f) => findSecret(f.allTexts)?.severity === 'clear',
};

export function findPatterns(
  patternIds: readonly string[],
  f: Facts,
  results: Map<string, Judgment>,
): string[] {
  return patternIds.filter((id) => PATTERN_RULES[id]?.(f, results) === true);
}

export interface Attribution {
  agent: string;
  category: string;
  note: string;
}

const GENERIC_TRIAGE =
  /^(see (ticket|above|description|below)|user (has|having) (an )?(issue|problem)s?|n\/a|none|forwarded|assigned|triaged|fyi|as per (email|call))\.?$/i;
const IMPACT =
  /\b(users?|affect\w*|impact\w*|blocking|cannot work|can't work|everyone|department|site|team|deadline|business)\b/i;

/**
 * Attributions to the triage agent, only when an agent (not a person) triaged
 * and its notes fall short. `agents` maps each agent id to its categories.
 */
export function findAttributions(agents: Map<string, string[]>, f: Facts): Attribution[] {
  const triage = f.t.triage;
  if (!triage || triage.kind === 'person') return [];
  const categories = agents.get(triage.by);
  if (!categories) return [];
  const out: Attribution[] = [];
  const add = (category: string, note: string) => {
    if (categories.includes(category)) out.push({ agent: triage.by, category, note });
  };
  const words = wordCount(triage.notes);
  if (words < 8 || GENERIC_TRIAGE.test(triage.notes.trim())) {
    add(
      'insufficient_detail',
      `Triage notes are ${words} words ("${triage.notes.trim().slice(0, 80)}"), too little to work from.`,
    );
  } else if (!IMPACT.test(triage.notes)) {
    add('no_impact_statement', 'Triage notes do not say who is affected or how badly.');
  }
  const priority = priorityProblem(f);
  if (priority && priority.steps >= 1)
    add('wrong_priority', `Priority ${f.t.priority} does not fit the impact (${priority.wanted}).`);
  if (
    (has(f, TOPICS.printing ?? /printer/i) || has(f, TOPICS.hardware ?? /laptop/i)) &&
    !has(f, ASSET_ID)
  ) {
    add('missing_asset_info', 'No model, asset tag or serial was captured for the device.');
  }
  return out;
}
