import { findHit, type Hit, wordCount } from './text.js';
import type { TicketComment, TicketView } from './ticket.js';

/**
 * Facts derived once per ticket and shared by the criterion, escalation,
 * pattern and attribution rules. The keyword lists are the simulator's own;
 * README.md documents them.
 */

export const SYMPTOM =
  /\b(errors?|fail(s|ed|ing|ure)?|cannot|can't|cant|unable|not (working|loading|printing|connecting|sending|receiving|responding|syncing|opening|starting)|doesn't work|won't|broken|down|outage|slow|crash(es|ed|ing)?|freez(e|es|ing)|frozen|locked out|lockout|stuck|stopped|denied|offline|quota|bounced?|ndr|time[sd]? ?out|disconnect(s|ed|ing)?|drop(s|ping|ped)|alert|warning|issue|problem|full)\b/i;
export const REQUEST =
  /\b(please|pls|need(s|ed)?|request(s|ed|ing)?|could you|can you|would like|wants?|set ?up|install|create|add|remove|grant|provide|order|new (user|starter|hire|account|laptop)|onboard(ing)?|offboard(ing)?|unlock|enable|disable|help)\b/i;
export const ACTION =
  /\b(checked|verified|replaced|reset|reinstalled|installed|updated|upgraded|configured|reconfigured|restarted|rebooted|cleared|ran|tested|reviewed|removed|deleted|added|created|migrated|patched|assigned|enabled|disabled|unlocked|moved|applied|rolled back|remoted|connected|found|identified|escalated|contacted|called|renewed|restored|repaired|rebuilt|mapped|granted|licensed|provisioned|scanned|cleaned|flushed|re-?registered|re-?enrolled|set up|sent|archived|increased|extended)\b/gi;
export const RESTART =
  /\b(reboot(ed|ing)?|restart(ed|ing)?|power[- ]?cycl(ed|ing)|reinstall(ed)?)\b/i;
export const ALERT_SUBJECT =
  /\b(alert|monitor(ing)?|backup job|warning|datto|rmm|ninja|n-able|automated)\b/i;
export const SERVICE_KIND =
  /\b(new (user|starter|hire|employee|account|laptop|mailbox)|onboard(ing)?|offboard(ing)?|leaver|licen[cs]e|install (of |the )?|how (do|can|to)|request for|access to|forgot(ten)? (my )?password|password reset request)\b/i;

export interface Facts {
  t: TicketView;
  statement: string[];
  symptom: Hit | undefined;
  request: Hit | undefined;
  serviceRequest: boolean;
  alert: boolean;
  closed: boolean;
  stillOpen: boolean;
  cancelled: boolean;
  agentTexts: string[];
  customerComments: TicketComment[];
  publicAgentComments: TicketComment[];
  allTexts: string[];
  totalWords: number;
  agentWords: number;
}

export function buildFacts(t: TicketView): Facts {
  const statement = [t.subject, t.description].filter(Boolean);
  const agentComments = t.comments.filter((c) => c.role === 'agent');
  const agentTexts = [
    ...agentComments.map((c) => c.body),
    ...t.timeEntries.map((e) => e.note),
  ].filter(Boolean);
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
  const request = findHit(
    [...statement, ...t.comments.filter((c) => c.role === 'customer').map((c) => c.body)],
    REQUEST,
  );
  const serviceKind = findHit([...statement, t.category, t.tags.join(' ')], SERVICE_KIND);
  const alert =
    (t.requester === '' && ALERT_SUBJECT.test(t.subject)) ||
    (t.comments[0]?.role === 'system' && ALERT_SUBJECT.test(`${t.subject} ${t.description}`));
  return {
    t,
    statement,
    symptom,
    request,
    serviceRequest:
      !alert &&
      serviceKind !== undefined &&
      (symptom === undefined || /request|onboard|new /i.test(serviceKind.match)),
    alert,
    closed: t.status === 'solved' || t.status === 'closed',
    stillOpen: ['new', 'open', 'pending', 'on_hold'].includes(t.status),
    cancelled: t.status === 'cancelled',
    agentTexts,
    customerComments: t.comments.filter((c) => c.role === 'customer'),
    publicAgentComments: agentComments.filter((c) => c.public),
    allTexts,
    totalWords: allTexts.reduce((n, s) => n + wordCount(s), 0),
    agentWords: agentTexts.reduce((n, s) => n + wordCount(s), 0),
  };
}
