import type { ToolCallContext } from '../tools.js';
import { ASSET_ID, SPECIFIC_ASSET } from './phrases.js';
import { findTicketText, parseTicket } from './ticket.js';

/**
 * `record_intake_check`: the triage agent's intake check, answered by keyword
 * rules over the ticket as it arrived (subject, description, the customer's
 * opening messages). Only the fields whose ids the system prompt names are
 * checked, so a revised triage prompt that adds or drops a field changes the
 * answer — which is what a backtest of a triage proposal needs to see.
 */

const FIELDS = ['affected_user', 'device', 'impact', 'steps_tried', 'contact_window'] as const;
type Field = (typeof FIELDS)[number];

const PRESENT: Record<Field, RegExp> = {
  affected_user:
    /\b(I|I'm|I've|my|me|we|our|us|users?|staff|everyone|nobody|team|colleagues?|employees?|[A-Z][a-z]+ [A-Z][a-z'-]+|\d+ (users?|people|staff))\b/,
  device:
    /\b(printer|copier|scanner|laptop|notebook|pc|desktop|workstation|computer|server|nas|mailbox|outlook|teams|excel|word|phone|iphone|android|tablet|ipad|monitor|screen|dock|router|switch|firewall|vpn|wi-?fi|network|account|app|application|software|website|portal|drive|share|onedrive|sharepoint|email|e-mail)\b/i,
  impact:
    /\b(cannot|can't|cant|unable|not able|no longer|blocked|locked out|down|offline|outage|not working|doesn't work|does not work|won't|will not|fails?|failing|failed|error|slow|stopped|keeps|lost|missing)\b/i,
  steps_tried:
    /\b(tried|trying|restart(ed)?|reboot(ed)?|turned (it )?(off|on)|power(ed)? (off|cycled?)|reinstall(ed)?|cleared|re-?entered|already|checked|reset|logged (out|off)|signed out|unplugged|re-?connected)\b/i,
  contact_window:
    /\b(call me|reach me|contact me|available|until \d|after \d|before \d|between \d|on (my )?(mobile|cell|phone)|ext\.? ?\d|extension|\+?\d[\d ()-]{7,}\d|this (morning|afternoon)|tomorrow|asap|any ?time)\b/i,
};

const QUESTION: Record<Field, string> = {
  affected_user: 'who is affected (just you, or others too)',
  device: 'which device or application this is on',
  impact: 'what you cannot do right now and how urgent it is',
  steps_tried: 'what you have already tried',
  contact_window: 'the best time and number to reach you',
};

export function intakeCheck(ctx: ToolCallContext): { missing: Field[]; question: string } {
  const t = parseTicket(findTicketText(ctx.request.messages));
  const opening = t.comments.filter((c) => c.role === 'customer').map((c) => c.body);
  const text = [t.subject, t.description, ...opening].join('\n');
  const checked = FIELDS.filter((f) => ctx.system.includes(`\`${f}\``));
  const missing = checked.filter((f) => {
    if (f === 'device' && (ASSET_ID.test(text) || SPECIFIC_ASSET.test(text))) return false;
    // The requester is affected unless the ticket says otherwise.
    if (f === 'affected_user' && t.requester) return false;
    return !PRESENT[f].test(text);
  });
  if (missing.length === 0) return { missing, question: '' };
  const asks = missing.map((f) => QUESTION[f]);
  const list = asks.length === 1 ? asks[0] : `${asks.slice(0, -1).join(', ')} and ${asks.at(-1)}`;
  return { missing, question: `To get started quickly, could you tell us ${list}?` };
}
