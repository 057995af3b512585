/**
 * Phrase lists for the criterion rules in criteria.ts. They are the
 * simulator's own keyword heuristics (README.md lists what each one means).
 */

export const PERSON =
  /\b(user|staff|employee|manager|[A-Z][a-z]+ [A-Z][a-z]+|finance|hr|reception|accounts|sales)\b/;
export const ASSET =
  /\b([A-Z]{2,}[-_]?\d{2,}|[A-Z]+-[A-Z0-9]+|server|laptop|desktop|printer|outlook|teams|vpn|mailbox|firewall|switch|router|phone|sharepoint|onedrive|excel|word)\b/i;
export const ERROR_TEXT =
  /(\berror\b|\bcode\b|0x[0-9a-f]{4,}|\b[45]\d\d\b|"[^"]{3,}"|'[^']{3,}'|“[^”]{3,}”)/i;
export const WHEN =
  /\b(since|this morning|yesterday|today|last (night|week)|\d{1,2}:\d{2}|monday|tuesday|wednesday|thursday|friday|after the)\b/i;
export const CAUSE =
  /\b(root cause|caused by|cause was|cause:|because|due to|was the result of|resulted from|traced (it |this )?to|turned out|culprit|triggered by|as a result of|cause (is |was )?(unknown|not determined|undetermined))\b/i;
export const VAGUE =
  /\b(probably|possibly|maybe|might have|seems|likely|perhaps|not sure why|may have)\b/i;
export const NEGATIVE =
  /\b(still (not|isn't|doesn't|can't|cannot|broken|failing|happening|having|the same)|not (fixed|resolved|working)|same (issue|problem|error)|happened again|again today)\b/i;
export const CONFIRM =
  /\b(works now|working now|(is|are|it's|its|all) (working|fine|ok|okay|sorted|fixed|resolved|good)( now)?|all good|that (did it|fixed it|worked)|confirm(ed)?|back (up|online|to normal)|can (now )?(print|send|log ?in|connect|access|sign in|open)|(logged|signed) (in|on) (fine|ok|okay|without (a |any )?(problem|issue)s?)|fine now|thanks?( you)?[^.\n]{0,30}\b(works?|working|fixed|sorted|resolved))\b/i;
export const AGENT_VERIFY =
  /\b(confirmed (with|by) (the )?(user|customer|requester|client|caller|her|him|them)|(user|customer|requester|client|caller) (has )?confirmed|verified (with|by) (the )?(user|customer|requester)|test (page|e-?mail|mail|restore|print|call|login|sign-?in)[^.\n]{0,40}\b(ok|succeeded|successful|worked|delivered|printed|fine)|tested (ok|successfully|fine)|user tested|completed successfully|re-?ran[^.\n]{0,60}\b(succeeded|successful(ly)?|completed|ok))\b/i;
export const AGENT_WEAK =
  /\b(should (now )?(be )?(work|working|fine|resolved|ok)|let (us|me) know if|please (test|confirm|check)|from (our|the msp|the admin) side|admin (portal|center|centre) shows)\b/i;
export const NOTHING_REMAINS =
  /\b(nothing (else )?(remains|outstanding|pending|left)|no (further|follow[- ]?up) (action|work)s?( is)?( needed| required)?|no further action)\b/i;
export const OUTSTANDING =
  /\b(workaround|temporar(y|ily)|waiting (on|for)|awaiting|on order|vendor case|rma|part (is )?pending|will need|still need|recur(s|red|ring)?|happened again)\b/i;
export const PLAN_SPECIFIC =
  /\b(follow[- ]?up (on|by|with|scheduled)|check back|next steps?|scheduled|reminder|problem ticket|linked ticket|ticket #?\d+|case #?\d+|by (monday|tuesday|wednesday|thursday|friday|tomorrow|end of (day|week))|on (monday|tuesday|wednesday|thursday|friday)|quote sent)\b/i;
export const PLAN_VAGUE =
  /\b(will monitor|monitor(ing)?|keep an eye|look at (this|it) again|revisit|follow[- ]?up)\b/i;
export const GENERIC_NOTE =
  /^(work|ticket|support|done|fixed|time|misc|admin|n\/a|-|\.|remote)?\.?$/i;
export const CLOSING =
  /\b(resolved|fixed|completed|closing|closed|done|let (us|me) know|reach out|get in touch|if (it|this|the (issue|problem)) (happens|recurs|comes back)|any (other )?(issues|problems))\b/i;
