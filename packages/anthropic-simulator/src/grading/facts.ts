import { RESOLUTION_LABELS, readSections, type Section } from './sections.js';
import { findHit, type Hit, wordCount } from './text.js';
import type { TicketComment, TicketView } from './ticket.js';

/**
 * Facts derived once per ticket and shared by the criterion, escalation,
 * pattern and attribution rules. The keyword lists are the simulator's own;
 * README.md documents them.
 */

export const SYMPTOM =
  /\b(errors?|fail(s|ed|ing|ure)?|cannot|can't|cant|can not|unable|not (able|working|loading|printing|connecting|sending|receiving|responding|syncing|opening|starting|booting|showing|turning on|charging|detected|recogni[sz]ed)|(doesn't|does not|won't|will not|isn't|is not|didn't|did not) (work|open|load|print|connect|send|sync|start|boot|turn on|charge|show|arrive|respond)|broken|down|outage|slow(ness)?|lag(gy|ging)?|crash(es|ed|ing)?|freez(e|es|ing)|frozen|hang(s|ing)|locked out|lockout|stuck|stopped|denied|offline|quota|bounce[sd]?|ndr|time[sd]? ?out|disconnect(s|ed|ing)?|drop(s|ping|ped)|flicker(s|ing)?|jam(s|med)?|blank|black screen|blue screen|bsod|keeps (asking|prompting|crashing|dropping|freezing|restarting|disconnecting)|prompt(s|ing)? (for|again)|pop-?ups?|missing|disappeared|gone|wrong|corrupt(ed)?|expired|alert|warning|issue|problem|full|spam|phishing|suspicious|no (internet|connection|sound|signal|dial tone|power|display)|noisy|overheat(s|ing)?|beep(s|ing)?)\b/i;
/** Symptom words that are rarely used in plain service requests ("I can't access X, please add me" is a request). */
export const STRONG_SYMPTOM =
  /\b(errors?|fail(s|ed|ing|ure)?|not (working|loading|printing|connecting|sending|receiving|responding|syncing|opening|starting|booting|charging)|(doesn't|does not|won't|will not) (work|open|load|print|connect|send|sync|start|boot|turn on|charge)|broken|down|outage|slow(ness)?|crash(es|ed|ing)?|freez(e|es|ing)|frozen|hang(s|ing)|locked out|lockout|stuck|offline|bounce[sd]?|ndr|time[sd]? ?out|disconnect(s|ed|ing)?|drop(s|ping|ped)|flicker(s|ing)?|jam(s|med)?|blue screen|bsod|corrupt(ed)?|suspicious|phishing)\b/i;
const REQUEST =
  /\b(please|pls|need(s|ed)?|request(s|ed|ing)?|could you|can you|would like|wants?|set ?up|install|create|add|remove|grant|provide|order|new (user|starter|hire|account|laptop|mailbox|employee)|onboard(ing)?|offboard(ing)?|unlock|enable|disable|help|how (do|can|to)|change|move|transfer|reset)\b/i;
export const ACTION =
  /\b(checked|verified|replaced|reset|reinstalled|installed|updated|upgraded|downgraded|configured|reconfigured|restarted|rebooted|cleared|ran|tested|reviewed|removed|deleted|added|created|recreated|migrated|patched|assigned|enabled|disabled|unlocked|moved|applied|rolled back|remoted|connected|reconnected|found|identified|escalated|contacted|called|renewed|restored|repaired|rebuilt|mapped|granted|licensed|provisioned|scanned|cleaned|flushed|re-?registered|re-?enrolled|set up|sent|archived|increased|extended|swapped|reseated|deployed|imported|exported|renamed|shared|ordered|booked|logged|walked|explained|advised|showed|guided|answered|investigated|confirmed|inspected|examined|diagnosed|traced|revoked|blocked|isolated|quarantined|wiped|re-?imaged|imaged|joined|synced|synchroni[sz]ed|converted|adjusted|corrected|changed|modified|uninstalled|re-?created|re-?added|edited|documented|raised|opened|closed off|disconnected|unplugged|plugged|cleared)\b/gi;
export const RESTART =
  /\b(reboot(ed|ing)?|restart(ed|ing)?|power[- ]?cycl(ed|ing)|reinstall(ed)?|turned (it )?off and on)\b/i;
const ALERT_SUBJECT =
  /\b(alert|monitor(ing)?|backup job|warning|datto|rmm|ninja(one)?|n-able|automated|threshold|disk space|low disk|cpu|offline device|device offline|heartbeat|edr|detection|av detection|antivirus|failed job|job failed)\b/i;
const AUTOMATED_SENDER =
  /\b(rmm|monitor(ing)?|alerts?|no-?reply|noreply|do-?not-?reply|backups?|datto|veeam|ninja(one)?|n-able|connectwise|automate|kaseya|system|sentinel(one)?|defender|huntress|acronis|sophos|watchguard|meraki|uptime|nagios|zabbix|prtg|auvik|scheduler|daemon|bot)\b/i;
const ALERT_TAG = /^(alert|alerts|monitoring|rmm|automated|auto-generated|system-generated)$/i;
const ALERT_SOURCE =
  /^(rmm|monitoring|alerts?|datto|ninja|ninjaone|nable|n-able|kaseya|connectwise|automate|email-alert)$/i;
const INTERNAL_TAG = /^(internal|maintenance|project|patching|housekeeping|msp-internal)$/i;
const INTERNAL_SUBJECT =
  /^\s*(\[?internal\]?|maintenance|scheduled maintenance|planned (maintenance|work)|patch(ing)? (window|night|cycle)|monthly patching|housekeeping)\b/i;
const SERVICE_KIND =
  /\b(new (user|starter|hire|employee|account|laptop|mailbox|phone|device)|onboard(ing)?|offboard(ing)?|leaver|leaving|starts? (on )?(monday|tuesday|wednesday|thursday|friday|next)|licen[cs]es?|install|installation|set ?up|how (do|can|to|should)|question|request for|access to|permissions?|add (me|him|her|them|[A-Z][a-z]+) to|remove (him|her|them|[A-Z][a-z]+) from|shared mailbox|distribution (list|group)|security group|forgot(ten)? (my |her |his |their )?password|password (reset|expired|has expired|change)|reset (my|her|his|their|the) (password|mfa)|mfa (reset|re-?registration|set ?up)|set up mfa|new phone for mfa|quote|order|purchase|invoice|billing|renewal|signature|display name|name change|rename|move (desk|office)|relocat\w*|change request|please (create|add|set|install|order|give|grant|enable|provide|update|change))\b/i;
const SERVICE_CATEGORY = /\b(onboarding|offboarding|billing|admin|how-?to|request)\b/i;
/** A fault repeating, not the closing "let us know if it happens again". */
const RECURRING =
  /\b(happen(ed|ing|s)? again|(failed|dropped|crashed|froze|stopped|jammed|disconnected|broke) again|again (today|this (morning|week|afternoon))|(keeps|kept) (happening|dropping|failing|crashing|freezing|disconnecting|coming back)|recurring|recurr?(s|ed|ence)|repeated(ly)?|repeat (issue|fault|problem|ticket)|(second|third|fourth|fifth|2nd|3rd|4th|5th) time|(happens|occurs|drops|fails|crashes|freezes|disconnects)[^.\n]{0,20}\bevery (day|morning|night|week|hour|few (hours|days|minutes))|intermittent(ly)?|same (issue|problem|fault|error) as (last|before|previous)|back again)\b/i;
const MERGED =
  /\b(merged (into|with)|duplicate of|dup(licate)? ticket|closed as (a )?duplicate|same as ticket)\b/i;

export interface Facts {
  t: TicketView;
  statement: string[];
  /** Words in subject + description. */
  statementWords: number;
  symptom: Hit | undefined;
  request: Hit | undefined;
  serviceRequest: boolean;
  alert: boolean;
  /** MSP-internal maintenance or project work with no customer request. */
  internal: boolean;
  closed: boolean;
  stillOpen: boolean;
  cancelled: boolean;
  /** Merged into or closed as a duplicate of another ticket. */
  merged: boolean;
  agentTexts: string[];
  customerComments: TicketComment[];
  publicAgentComments: TicketComment[];
  allTexts: string[];
  totalWords: number;
  agentWords: number;
  /** Labelled parts of the technician's resolution note (standards.md). */
  sections: Map<string, Section>;
  /** The fault is described as repeating. */
  recurring: Hit | undefined;
}

/** True when a match is preceded closely by "if" ("let us know if it happens again"). */
function conditional(hit: Hit): boolean {
  return /\bif\b[^.!?\n]{0,30}$/i.test(hit.source.slice(Math.max(0, hit.index - 40), hit.index));
}

function findRecurring(texts: readonly string[]): Hit | undefined {
  for (const source of texts) {
    const hit = findHit([source], RECURRING);
    if (!hit) continue;
    if (!conditional(hit)) return hit;
    // Look past a conditional mention for a real one in the same text.
    const rest = source.slice(hit.index + hit.match.length);
    const later = findRecurring([rest]);
    if (later)
      return { source, index: hit.index + hit.match.length + later.index, match: later.match };
  }
  return undefined;
}

function domainOf(email: string): string {
  const at = email.lastIndexOf('@');
  return at >= 0 ? email.slice(at + 1).toLowerCase() : '';
}

export function buildFacts(t: TicketView): Facts {
  // A description that only repeats the subject ("PC slow" / "PC slow") counts once.
  const statement = [t.subject, t.description]
    .filter(Boolean)
    .filter(
      (x, i, all) => i === 0 || !all[0] || x.trim().toLowerCase() !== all[0].trim().toLowerCase(),
    );
  const agentComments = t.comments.filter((c) => c.role === 'agent');
  const agentTexts = [
    ...agentComments.map((c) => c.body),
    ...t.timeEntries.map((e) => e.note),
  ].filter(Boolean);
  const customerComments = t.comments.filter((c) => c.role === 'customer');
  const allTexts = [
    t.subject,
    t.description,
    ...t.comments.map((c) => c.body),
    ...t.timeEntries.map((e) => e.note),
    t.triage?.notes ?? '',
    ...t.customFields,
    t.tags.join(' '),
  ].filter(Boolean);
  const symptom = findHit(statement, SYMPTOM);
  // A lockout after a forgotten password is the routine reset rubric.md calls a service request;
  // one caused by unknown or failed sign-ins is a fault.
  const forgot = /\bforgot(ten)?\b/i.test(statement.join(' '));
  const unexplained = /\b(failed|unknown|unrecogni[sz]ed|suspicious|unexpected) (sign|log)/i;
  const strong = findHit(
    statement,
    forgot && !unexplained.test(statement.join(' '))
      ? new RegExp(STRONG_SYMPTOM.source.replace('locked out|lockout|', ''), 'i')
      : STRONG_SYMPTOM,
  );
  const request = findHit([...statement, ...customerComments.map((c) => c.body)], REQUEST);
  const serviceKind = findHit([...statement, t.category, t.tags.join(' ')], SERVICE_KIND);
  const requesterAutomated =
    AUTOMATED_SENDER.test(t.requester) ||
    AUTOMATED_SENDER.test(t.requesterEmail.split('@')[0] ?? '');
  const alert =
    ALERT_SOURCE.test(t.source) ||
    t.tags.some((x) => ALERT_TAG.test(x)) ||
    requesterAutomated ||
    (t.requester === '' && ALERT_SUBJECT.test(t.subject)) ||
    (t.comments[0]?.role === 'system' && ALERT_SUBJECT.test(`${t.subject} ${t.description}`));
  const agentAuthors = new Set(agentComments.map((c) => c.author.toLowerCase()).filter(Boolean));
  const requesterDomain = domainOf(t.requesterEmail);
  const internal =
    !alert &&
    (t.tags.some((x) => INTERNAL_TAG.test(x)) ||
      INTERNAL_SUBJECT.test(t.subject) ||
      (t.requester !== '' && agentAuthors.has(t.requester.toLowerCase())) ||
      (requesterDomain !== '' && requesterDomain === domainOf(t.assigneeEmail)));
  // A request with no sign of a fault ("Can you update Tom's signature?") is a service request too.
  const serviceRequest =
    !alert &&
    strong === undefined &&
    (serviceKind !== undefined ||
      SERVICE_CATEGORY.test(t.category) ||
      (request !== undefined && symptom === undefined));
  const agentWords = agentTexts.reduce((n, s) => n + wordCount(s), 0);
  return {
    t,
    statement,
    statementWords: statement.reduce((n, s) => n + wordCount(s), 0),
    symptom,
    request,
    serviceRequest,
    alert,
    internal,
    closed: t.status === 'solved' || t.status === 'closed',
    stillOpen: ['new', 'open', 'pending', 'on_hold'].includes(t.status),
    cancelled: t.status === 'cancelled',
    merged: findHit(agentTexts, MERGED) !== undefined,
    agentTexts,
    customerComments,
    publicAgentComments: agentComments.filter((c) => c.public),
    allTexts,
    totalWords: allTexts.reduce((n, s) => n + wordCount(s), 0),
    agentWords,
    sections: readSections(agentTexts, RESOLUTION_LABELS),
    recurring: findRecurring([...statement, ...customerComments.map((c) => c.body), ...agentTexts]),
  };
}
