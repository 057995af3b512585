import type { Judgment } from './criteria.js';
import { TOPICS } from './criteria-fields.js';
import { type Facts, RESTART } from './facts.js';
import { ASSET_ID } from './phrases.js';
import { findSecret } from './secrets.js';
import { firstResponseBreach } from './sla.js';
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
    re: /\b(ransomware|ransom note|clicked (on )?(a|the|an) (phishing|suspicious|malicious|fake) (link|e-?mail|attachment|page)|phishing (link|e-?mail|page)? ?(was )?clicked|entered (her|his|their|my|our) (password|credentials|details)|(password|credentials) (entered|typed) (on|into) (a|the) (fake|phishing)|approved (an? |the )?(unexpected|unknown|suspicious|unrecogni[sz]ed|random) (mfa|sign-?in|push|authenticator)|mfa (fatigue|bombing|spam)|(data|security) breach|been breached|compromised|malware|virus (detected|found)|unauthori[sz]ed (access|log ?in|sign-?in|transfer|purchase)|(suspicious|risky|unfamiliar) (log ?ins?|sign-?ins?|activity)|impossible travel|files (are |were |got |have been )?(encrypted|renamed en masse)|mass (file )?renam|hacked|(inbox|mail|forwarding) rules? (set up |created |added )?(forwarding |to forward |that forwards? )?(all )?(mail |emails? )?to (an )?external|forward(ing|s)? (all )?(mail|e-?mails?) to (an? )?(external|gmail|outside|unknown)|(stolen|lost) (laptop|phone|device|iphone|mobile|tablet|ipad)|(laptop|phone|device|iphone|mobile|tablet) (was |has been )?(stolen|lost)|leaver[^.\n]{0,40}\bstill (has |had )?(access|logging|signing)|still (logging|signing) in after (leaving|they left)|sign-?ins? from (an? )?(unknown|unfamiliar|foreign|unusual|overseas|unrecogni[sz]ed) (ip|location|country|device)|(gave|shared|sent|read out) (out |away )?(her|his|their|my|the) (password|credentials|mfa code|verification code|one-time code)|(edr|defender|sentinelone|huntress|crowdstrike|sophos)[^.\n]{0,30}\b(detected|flagged|quarantined|isolated|alerted))\b/i,
    why: 'possible security incident',
  },
  data_loss: {
    re: /\b(data (loss|lost)|lost (all |the |my |our |some )?(data|files|e-?mails|work|documents)|(files|folders?|data|e-?mails?|documents?|mailbox) (were |was |got |have been |has been )?(deleted|lost|gone|wiped|overwritten|corrupted|purged)|deleted (the |all |a |some )?(files|folders?|data|mailbox|e-?mails)|backups? (has |have )?(failed|been failing)[^.\n]{0,80}\b(restore|lost|missing|recover|need)|(cannot|can't|unable to|could not|couldn't) (be )?(restore|recover)|(restore|recovery) (failed|was unsuccessful|not possible)|failed (restore|recovery)|no (usable |good |valid )?(restore point|backup)s?( (available|exists?|found))?|beyond (the )?retention|(raid|disk|drive) (failure|failed|has failed)[^.\n]{0,60}\bno backup|database (is |was )?corrupt(ed)?)\b/i,
    why: 'data lost or at risk',
  },
  legal_or_churn_threat: {
    re: /\b(lawyers?|attorney|solicitors?|legal (action|advice|team)|sue|suing|lawsuit|court|breach of contract|regulator|data protection (complaint|authority|officer)|report (you|this) to the (ico|regulator)|cancel (our|the) (contract|agreement|service with you)|terminat(e|ion) (of )?(our|the) (contract|agreement)|termination (terms|notice|clause)|reviewing (our|the) (contract|agreement|relationship)|switch(ing)? (to another|providers?|msp)|another provider|moving to another (provider|msp|it company)|(find|look for|looking for) a new (provider|msp|it (company|support))|take our business elsewhere|formal complaint|gdpr (complaint|breach)|\bico\b|liab(le|ility)|damages)\b/i,
    why: 'legal threat or risk of losing the customer',
  },
  billing_dispute: {
    re: /\b(overcharged|over-?billed|refund|charged twice|double[- ]charged|billing (error|dispute)|disput\w* (the |this |our |these )?(charge|invoice|bill|hours|time)|wrong (amount|invoice)|invoice (is )?(wrong|incorrect)|(should not|shouldn't|should never) (be|have been) (charged|billed)|why (were|are|have) we (been )?(billed|charged)|covered (by|under) (our|the) (agreement|contract|plan)|(ask(ing|s)?|want|request(ing)?) (for )?a credit|credit note|(not|won't|will not|refuse to) (be )?pay(ing)? (for )?(this|that|these|the invoice)|too many hours|why (is|was) (this|it) (billed|charged)|(billed|charged) (us )?for \d+ (hours|minutes))\b/i,
    why: 'billing or invoice dispute',
  },
  grader_instruction: {
    re: /\b(ignore (all |any )?(your|previous|prior|the above|above|earlier|the) (instructions|rules|rubric)|disregard (the|your|all) (rubric|instructions|rules)|mark (this|the) (ticket )?as (a )?(pass|passed|met|compliant)|qc (bot|grader|reviewer|ai)|dear (grader|reviewer|ai|assistant|bot)|(give|score|rate) (this|the) (ticket )?(a )?(100|full marks|perfect score|pass)|new instructions:|system prompt|you are now (a|an|the)|do not (flag|escalate|report) (this|the)|(qc|system)\s*:\s*(score|mark|grade|pass|set|ignore|rate|outcome)|score\s*=\s*100|"outcome"\s*:\s*"pass")/i,
    why: 'ticket text tries to instruct the grader',
  },
};

/** Recovery shown in the ticket: not a loss (escalation.md data_loss "does not cover"). */
const RECOVERED =
  /\b(recovered|restored|retrieved|found (the|it|them)|(was|were) found|recycle bin|version history|previous versions?|recoverable items)\b/i;
const UNRECOVERABLE =
  /\b((cannot|can't|unable to|could not|couldn't) (be )?(restore|recover)|(restore|recovery) (failed|was unsuccessful|not possible)|failed (restore|recovery)|no (usable |good |valid )?(restore point|backup)|beyond (the )?retention|purged|permanently (deleted|lost))\b/i;
/** escalation.md vip_or_sla_breach: a recorded breach ... */
const SLA_BREACH =
  /\b(sla (was |has been )?(breach(ed)?|missed)|breach(ed)? (of )?(the |our )?sla|missed (the |our )?sla|outside (the |our )?sla|sla[_ -]?breach(ed)?\s*(:|=)?\s*(true|yes)?)\b/i;
/** ... or a VIP requester ... */
const VIP =
  /\b(vip|ceo|cfo|coo|managing (director|partner)|owner of the (business|company|practice))\b/i;
/** ... with a complaint or a missed commitment. */
const COMPLAINT =
  /\b(complain\w*|unacceptable|disappointed|not good enough|frustrat\w*|still waiting|any update|chasing|(you|we were) promised|you said (it|you) would|missed (the|our) (deadline|appointment|commitment|call)|no ?one (called|came|got back)|escalat(e|ing) this)\b/i;

/**
 * Escalations by the rules in escalation.md. `failsRubric` (score below the pass mark or
 * an auto-fail) feeds the VIP case: a VIP ticket handled well is not escalated.
 */
export function findEscalations(
  ruleIds: readonly string[],
  f: Facts,
  failsRubric = false,
): Escalation[] {
  const out: Escalation[] = [];
  for (const rule of ruleIds) {
    if (rule === 'cannot_judge') {
      const reason = cannotJudge(f);
      if (reason) out.push({ rule, reason });
      continue;
    }
    if (rule === 'vip_or_sla_breach') {
      const reason = vipOrSla(f, failsRubric);
      if (reason) out.push({ rule, reason });
      continue;
    }
    const signal = SIGNALS[rule];
    if (!signal) continue;
    const hit = findHit(f.allTexts, signal.re, { negatable: rule !== 'grader_instruction' });
    if (!hit) continue;
    if (
      rule === 'data_loss' &&
      f.allTexts.some((t) => RECOVERED.test(t)) &&
      !findHit(f.allTexts, UNRECOVERABLE, { negatable: true })
    )
      continue;
    out.push({ rule, reason: `Signal of ${signal.why}: "${quote(hit, 140)}"` });
  }
  return out;
}

function cannotJudge(f: Facts): string | undefined {
  if (!f.t.found || f.totalWords < 5)
    return 'The ticket has too little text to grade against the rubric.';
  if (f.t.threadIncomplete && f.agentTexts.length === 0)
    return 'The thread is incomplete and no technician comment is left to grade.';
  const created = Date.parse(f.t.createdAt);
  const closed = Date.parse(f.t.closedAt);
  if (Number.isFinite(created) && Number.isFinite(closed) && closed < created)
    return 'Contradictory data: closedAt is before createdAt.';
  return undefined;
}

function vipOrSla(f: Facts, failsRubric: boolean): string | undefined {
  const breach = findHit([...f.allTexts, ...f.t.tags], SLA_BREACH, { negatable: true });
  if (breach) return `SLA breach recorded: "${quote(breach, 140)}"`;
  const late = firstResponseBreach(f);
  if (late) return `SLA breach from the timestamps: ${late}.`;
  const vipTag = f.t.tags.some((t) => /^vip$/i.test(t));
  const vip =
    (vipTag ? { source: f.t.tags.join(' '), index: 0, match: 'vip' } : undefined) ??
    findHit([f.t.requester, ...f.t.customFields, ...f.statement], VIP);
  if (!vip) return undefined;
  const complaint = findHit(
    f.customerComments.map((c) => c.body),
    COMPLAINT,
    { negatable: true },
  );
  if (complaint) return `VIP requester with a complaint: "${quote(complaint, 140)}"`;
  if (failsRubric) return `VIP requester ("${quote(vip, 80)}") and the handling fails the rubric.`;
  return undefined;
}

const has = (f: Facts, re: RegExp) => findHit(f.allTexts, re, { negatable: true }) !== undefined;
const PASSWORD_RESET =
  /\b(password|mfa) (was |has been )?reset\b|\breset (the |her |his |their |a |the user's |user's )?(password|mfa)\b|\bpassword reset (request|done|completed)\b/i;
const IDENTITY =
  /\b(verified (identity|caller|the user)|identity (was )?(verified|confirmed|checked)|call(ed)? back|callback|security question|manager (approval|approved)|verified via|id check|known number)\b/i;
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

/**
 * Patterns without a rule of their own (ones a reviewer or the pattern miner
 * added): listed when a phrase quoted on the section's `Signals:` line (or an
 * `Also seen as:` line) is in the ticket, compared word by word. Read from
 * the context the request carries, like `Counts as met` (context-phrases.ts).
 */
function contextSignals(system: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let id: string | undefined;
  for (const line of system.split(/\r?\n/)) {
    const h = /^##\s+`([a-z][a-z0-9_]*)`/.exec(line);
    if (h?.[1]) {
      id = h[1];
      continue;
    }
    if (line.startsWith('#')) id = undefined;
    const m = id ? /^\s*(?:Signals|Also seen as):\s*(.+)$/i.exec(line) : null;
    if (!id || !m?.[1]) continue;
    const phrases = [...m[1].matchAll(/"([^"\n]{3,120})"/g)].map((x) => words(x[1] ?? ''));
    out.set(id, [...(out.get(id) ?? []), ...phrases.filter(Boolean)]);
  }
  return out;
}

const words = (s: string) => (s.toLowerCase().match(/[a-z0-9][a-z0-9'-]*/g) ?? []).join(' ');

export function findPatterns(
  patternIds: readonly string[],
  f: Facts,
  results: Map<string, Judgment>,
  system = '',
): string[] {
  const unruled = patternIds.filter((id) => !PATTERN_RULES[id]);
  const signals = unruled.length ? contextSignals(system) : new Map<string, string[]>();
  const text = unruled.length ? ` ${words(f.allTexts.join(' \n '))} ` : '';
  return patternIds.filter((id) => {
    const rule = PATTERN_RULES[id];
    if (rule) return rule(f, results) === true;
    return (signals.get(id) ?? []).some((p) => text.includes(` ${p} `));
  });
}
