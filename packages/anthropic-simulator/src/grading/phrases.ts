/**
 * Phrase lists for the criterion rules in criteria.ts. They are the
 * simulator's own keyword heuristics, written from the rubric's and the
 * standards' wording and ordinary service-desk language (README.md lists what
 * each one means).
 */

/** Who is affected: a role, group or site ... */
export const PERSON_WORD =
  /\b(users?|staff|employees?|colleagues?|managers?|directors?|partners?|owner|team|department|office|site|branch|reception(ist)?|front desk|finance|hr|accounts|sales|marketing|warehouse|everyone|nobody|all users)\b/i;
/** ... or a person's name (case-sensitive: two capitalised words). */
export const PERSON_NAME = /\b[A-Z][a-z]+ [A-Z][a-z'-]+\b/;

const ASSET_TAG = String.raw`\b[A-Z]{2,}(?:[-_][A-Z0-9]+)*[-_]?\d{2,}\b`;
const BRAND = String.raw`\b(?:hp|dell|lenovo|ricoh|canon|brother|xerox|kyocera|epson|lexmark|konica|sharp|apple|macbook|imac|iphone|ipad|surface|thinkpad|latitude|optiplex|elitebook|probook|samsung|cisco|meraki|fortigate|fortinet|sonicwall|ubiquiti|unifi|synology|qnap|yealink|polycom|poly|jabra|logitech|zebra|dymo)\b`;
/** Personal things a user's name identifies: "her email", "my laptop". */
const PERSONAL = String.raw`\b(?:e-?mails?|inbox|calendar|password|log-?in|sign-?in|account|computer|laptop|pc|desktop|phone|mobile)\b`;
const NAMED_SYSTEM = String.raw`\b(?:outlook|teams|excel|word|powerpoint|sharepoint|onedrive|exchange|m365|microsoft 365|office 365|o365|quickbooks|sage|xero|adobe|acrobat|chrome|edge|firefox|zoom|citrix|rdp|remote desktop|anyconnect|globalprotect|forticlient|windows(?: \d+)?|macos|entra|azure|intune|autopilot|dynamics|salesforce|hubspot|dropbox|google workspace|gmail|bitlocker|vpn|wi-?fi|wireless|internet|broadband|ssid|sso|mfa|authenticator|3cx|voip|erp|crm|nas|active directory|file server|print server|domain|website|dns|firewall|router|switch)\b`;
const ADDRESS = String.raw`\b[\w.+-]+@[\w-]+\.[\w.]+\b|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[\w-]+\.(?:local|lan|corp|internal)\b`;
const OWN_DEVICE = String.raw`\b(?:my|her|his|their|[A-Z][a-z]+'s) (?:work |new |old )?(?:laptop|pc|computer|desktop|workstation|phone|mobile|monitors?|screens?|keyboard|mouse|headset|dock|mailbox|account|calendar|inbox|e-?mail|tablet|login)\b`;

/** A system or asset that is identified, not just a shared device type ("printer" alone is not). */
export const ASSET = new RegExp(
  [ASSET_TAG, ADDRESS, BRAND, NAMED_SYSTEM, OWN_DEVICE, PERSONAL].join('|'),
  'i',
);
/** The same without the personal words: a specific detail in a short statement. */
export const SPECIFIC_ASSET = new RegExp(
  [ASSET_TAG, ADDRESS, BRAND, NAMED_SYSTEM, OWN_DEVICE].join('|'),
  'i',
);
/** Asset ids, models and addresses only (for triage and pattern rules). */
export const ASSET_ID = new RegExp(
  `${ASSET_TAG}|${ADDRESS}|${BRAND}(?:\\s+[A-Za-z][\\w-]*){0,2}\\s*[\\w-]*\\d|\\b(model|asset( tag)?|serial|s/n|service tag)\\b`,
  'i',
);
/** The statement mentions an error or message ... */
export const ERROR_MENTION =
  /\b(error|warning|ndr|bounce-?back|pop-?up|dialog( box)?|message (says|saying|reads|appears|pops up|comes up))\b/i;
/** ... and gives its text. */
export const ERROR_TEXT =
  /(0x[0-9a-f]{4,}|\b[45]\d\d\b|\b\d\.\d\.\d{1,3}\b|\b(error|code|event( id)?|kb)\s*:?\s*#?[a-z]*\d{2,}|"[^"]{3,}"|'[^'\s][^']{2,}'|“[^”]{3,}”|\b(says|saying|reads|shows|error|message)\s*:\s*\S+(\s+\S+){2,})/i;
export const WHEN =
  /\b(since|this morning|yesterday|today|last (night|week)|\d{1,2}:\d{2}|monday|tuesday|wednesday|thursday|friday|after the)\b/i;

// root_cause
export const CAUSE =
  /\b(root[- ]cause|caused by|cause (was|is|:|-)|cause of (the|this) (issue|problem|fault|outage|error)|was (the )?cause|the cause|because( of)?|due to|traced (it |this |the (issue|problem|fault) )?(back )?to|turned out|resulted from|as a result of|triggered by|culprit|(the )?reason (was|is|for (the|this))|stemmed from|came from|originat(ed|ing) (from|in)|was the result|was down to|(had|has|have) expired|expired (on|last|yesterday|overnight)|(was|were) (misconfigured|corrupt(ed)?|incompatible|blocked|disabled|unlicensed|over quota)|(mailbox|disk|drive|volume|storage|quota)[^.\n]{0,20}\b(was|is|were) (full|at \d)|incompatib(le|ility) with|conflict(ed|ing|s)? with|(failed|failing|faulty|defective|dead|bad|damaged|loose|worn) (hard )?(disk|drive|ssd|psu|power supply|fan|battery|ram|memory|cable|port|adapter|charger|fuser|drum|toner|board|screen|keyboard|switch|sfp)|a (known )?bug in|known issue|(the )?(issue|problem|fault|error|failure) (was|is) (that|caused|due|with|the|a|an)\b|found (that )?(the|a|an) \w+|discovered|identified (that |the |a |an )|(was|were) (pointing|set|configured|mapped) to|(had|has|have) (changed|been changed|been removed|been deleted|been disabled|been reset|filled|run out|lapsed)|ran out of|out of (toner|paper|space|storage|licen[cs]es|disk)|(not|wasn't|weren't) (licensed|assigned|synced|enrolled|configured|mapped|installed)|missing (driver|update|licen[cs]e|permissions?|certificate|reservation|record|entry)|(was|were) (in an? )?(failed|hung|stuck|stopped|crashed|error(ed)?|bad) state|(stuck|failed|pending|corrupt(ed)?|faulty|buggy|broken) (windows |feature |driver |firmware |office )?(update|patch|driver|install(ation)?|profile|cache|token|credentials?)|(outage|fault|issue|problem|incident) (was )?(at|with|on the side of) (the )?(isp|provider|carrier|vendor|supplier|microsoft|telco)|(isp|provider|carrier|vendor|microsoft)[- ]side (outage|issue|fault|problem)|(isp|provider|carrier|microsoft) (had an? |reported an? )?(outage|incident|fault))\b/i;
/** An honest "cause not found". */
export const CAUSE_UNKNOWN =
  /\b(cause (is |was |remains )?(unknown|unclear|undetermined|not (determined|found|identified|known|established|clear))|(could not|couldn't|unable to|did not|didn't|can't|cannot) (determine|find|identify|establish|pin ?point|confirm) (the |a |any )?(root )?cause|no (root |obvious |clear )?cause (was |could be )?(found|identified|determined)|not (determined|found) what caused|no fault found|nff)\b/i;
export const VAGUE =
  /\b(probably|possibly|maybe|might (have|be)|seems|seemed|likely|perhaps|not sure( why)?|may have|appears to|suspect(ed)?|presumably|could have been|guess)\b/i;
/** What was done to look for a cause. */
export const INVESTIGATION =
  /\b(checked|reviewed|looked (at|through|into)|inspected|examined|investigated|tested|ran (a |the )?(diagnostics?|tests?|scan|sfc|chkdsk)|diagnostics|event (log|viewer)|logs?|compared|ruled out|traced|monitored)\b/i;
/** A restated symptom is not a cause ("Cause: printer was offline"). */
export const RESTATED =
  /^(it |the \w+ )?(was |is )?(offline|not working|broken|down|an? (issue|problem|error|fault)|failing|failed|the (issue|problem))\.?$/i;

// resolution_verified
export const NEGATIVE =
  /\b(still (not|isn't|doesn't|can't|cannot|won't|broken|failing|happening|having|getting|seeing|the same|down|slow|no)|not (fixed|resolved|working|sorted)|(isn't|doesn't|is not|does not) work|same (issue|problem|error)|(happened|happening|failed|broke|dropped|crashed) again|again (today|this morning)|it's back|no (change|better|difference))\b/i;
export const CONFIRM =
  /\b(works? (now|again|fine|perfectly|great|ok)|working (now|again|fine|perfectly|great|ok)|(is|are|it's|its|it is|all|everything( is|'s)?) (now )?(working|fine|ok|okay|sorted|fixed|resolved|good|back)( now)?|all (good|sorted|set|working|fine)|(that|this) (did it|did the trick|fixed it|worked|sorted it|solved it|has (fixed|sorted|solved) it)|confirmed|(i|we) (can )?confirm|back (up|online|to normal)|(can|could) (now )?(print|send|receive|log ?in|log on|connect|access|sign ?in|open|see|use|scan|hear|get in|work)|(logged|signed) (in|on)( fine| ok| okay| without (a |any )?(problem|issue)s?| successfully)|fine now|no (more )?(issues|problems|errors)( since| now)|problem (is )?(solved|gone|resolved)|(received|got) the (test|mail|e-?mail|file)|perfect,? thanks|thanks?( you)?[^.\n]{0,30}\b(works?|working|fixed|sorted|resolved)|(that's|that is|thats|this is) (now )?(working|fine|sorted|fixed|done|great|perfect)|\bit works\b|(yes|yep|yeah),? (it|that) (works|worked|did( it)?)|(printing|sending|syncing|connecting|loading|running|booting|scanning|receiving|coming through) (fine|ok|okay|normally|again|now)|looks (good|fine|great)( now)?|(i'm|i am|we're|we are) (back in|back up|up and running|back online|able to)|up and running|(came|coming) through|seems (fine|ok|okay|good|to (work|be working))( now)?)\b/i;
export const AGENT_VERIFY =
  /\b(confirmed (with|by) (the )?(user|customer|requester|client|caller|her|him|them)|(user|customer|requester|client|caller|she|he|they) (has |have )?(confirmed|verified)|confirmed (working|fixed|resolved|ok|it works)|verified (with|by) (the )?(user|customer|requester)|(user|customer|she|he|they) (was |is |were |are )?(now )?able to|(user|customer|she|he|they) (can|could) now|test (page|e-?mail|mail|message|restore|print|call|login|log-?in|sign-?in|scan|file|connection)[^.\n]{0,50}\b(ok|succeeded|successful(ly)?|worked|delivered|printed|fine|received|arrived|opened|passed|connected)|tested (ok|successfully|fine|working|with the user|with (her|him|them))|(user|customer) tested|completed successfully|(ran|run|runs|succeeded|completed|finished) successfully|(next|following|subsequent|tonight's|last night's|overnight) (backup|run|job|sync)[^.\n]{0,40}\b(succeeded|successful|completed|ok|green)|re-?ran[^.\n]{0,60}\b(succeeded|successful(ly)?|completed|ok|fine)|(logged|signed) (in|on) (successfully|fine|ok)|restored [^.\n]{0,60}\b(opened|confirmed|checked|verified)|(printed|sent|ran|did|performed|completed|made|placed) (a |an )?(test|trial)|test (was |is )?(successful|ok|passed|fine|good)|(user|customer|she|he|they) (reports?|reported|says|said) (it |that it |it's |everything )?(is )?(now )?(working|works|fine|ok|all good|sorted)|checked with (the )?(user|customer|requester)|(user|customer) (is )?happy|(ok|okay|happy|agreed) (for us )?to close|tested and (working|ok|fine|confirmed)|verified (working|ok|fine|that (it|the|mail|printing|sign-?in|the user))|working (as expected|correctly|normally) (for|with) (the )?(user|customer))\b/i;
/** The same, naming the user ("Sarah confirmed", "confirmed with Tom"); case-sensitive. */
export const AGENT_VERIFY_NAMED =
  /\b([Cc]onfirmed (with|by) ([A-Z][a-z]+)|[Cc]hecked with ([A-Z][a-z]+)|([A-Z][a-z]+) (reports?|reported|says|said) (it |it's |that it |everything )?(is )?(now )?(working|works|fine|ok)|([A-Z][a-z]+) (has )?(confirmed|verified)|([A-Z][a-z]+) (was |is )?(now )?able to|([A-Z][a-z]+) (can|could) now|([A-Z][a-z]+) tested)\b/;
/** Capitalised words that are not the user in AGENT_VERIFY_NAMED. */
export const NOT_A_USER =
  /^(I|We|The|This|That|It|Then|Also|Vendor|Microsoft|Dell|Support|Tech|Technician|Engineer|Admin|Portal|Google|Apple|Nobody|Everyone|Nothing|Who)$/;

/** Checks from the MSP's side only, or a hope that it works. */
export const AGENT_WEAK =
  /\b(should (now )?(be )?(work|working|fine|resolved|ok|sorted|fixed)|let (us|me) know if|please (test|confirm|check|try)|(from|on) (our|the msp's|the admin|my) (side|end)|(admin|azure|entra|m365|exchange|partner) (portal|center|centre|console) (shows|showing|now shows)|(shows|showing) (as )?(assigned|active|online|green|healthy|compliant|licensed|connected)|ping(s|ed)? (ok|fine|successfully)|appears to be working|looks (ok|good|fine) (now|from here))\b/i;
/** The no-response rule in standards.md. */
export const NO_RESPONSE =
  /\b(no (response|reply|answer) (from|after|to)|(did not|didn't|has not|hasn't) (respond|reply|get back)|(three|3|multiple|several) (contact )?attempts|(unable|could not|couldn't) (to )?(reach|contact)|no-response rule)\b/i;
export const FINAL_NOTICE =
  /\b((will|we'll|going to) (be )?clos(e|ing|ed)|closing (this|the) ticket|reopen|re-open|reply (to this|here)[^.\n]{0,40}\b(open|reopen|pick)|just reply)\b/i;

// follow_up
export const NOTHING_REMAINS =
  /\b(nothing (else |further )?(remains|outstanding|pending|left|open|to follow up|further (needed|required))|nothing (else |further )?(is )?(needed|required|to do)|no (further|follow[- ]?up|other|more) (action|work|steps?|follow[- ]?up)s?( (is|are))?( needed| required| necessary)?|no further action|no (open|outstanding) (items|actions|tasks|issues)|no follow[- ]?up (needed|required|necessary)|nothing else (is )?outstanding|fully (resolved|completed)|no further (issues|problems) expected)\b/i;
export const OUTSTANDING =
  /\b(workaround|temporar(y|ily) (fix|workaround|solution|replacement|loan|measure|device|laptop|printer)|fixed temporarily|interim|stop-?gap|waiting (on|for)|awaiting|on order|(part|replacement|new \w+) (is |has been )?(ordered|on order|pending|due)|vendor (case|ticket|support)|support case|rma|part (is )?pending|will need|still need(s|ed)?|needs? (to be )?(replac|upgrad|renew|order|chang|follow)|pending (approval|quote|delivery|vendor|reply)|(recur(s|red|ring)?|repeated(ly)?|intermittent(ly)?)|to be (scheduled|confirmed|replaced|arranged)|out of warranty|end of life|eol)\b/i;
/** Something tracked elsewhere: a problem ticket, a case or a change. */
export const TRACKED =
  /\b(problem (ticket|record)|(linked|follow[- ]?up|child|parent|new) ticket|(ticket|case|rma|change|cr|inc|prb|chg)\s*(number|no\.?|ref(erence)?)?\s*#?\s*:?\s*[a-z]*-?\d{3,}|#\d{3,}|change request|calendar (reminder|invite)|reminder (set|added|created)|(scheduled|booked)( in)? (for|on|at|with)|task (created|raised|assigned))\b/i;
export const TIMING =
  /\b(today|tonight|tomorrow|(this|next|on) (week|month|mon(day)?|tue(s|sday)?|wed(nesday)?|thu(rs|rsday)?|fri(day)?|sat(urday)?|sun(day)?)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|end of (the )?(day|week|month)|eod|eow|within (\d+|a|an|one|two|three|24|48) (hours?|days?|weeks?|business days?)|in (\d+|a|an|one|two|three|a few) (hours?|days?|weeks?)|for (\d+|a|an|one|two|three|a few) (hours?|days?|weeks?)|(\d+|one|two|three|24|48|72)[- ](hours?|days?|weeks?)|\d{1,2}(st|nd|rd|th)? (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{1,2}|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}|at \d{1,2}(:\d{2})?\s*(am|pm)?|next (run|backup|patch|cycle|visit)|tonight's|overnight)\b/i;
const PLAN_VERBS =
  'check|follow|call|review|monitor|confirm|revisit|chase|update|install|replace|look|contact|test|ring|email|re-?test|verify|book|schedule|visit|swap|order|collect|return|reach|keep|watch|re-?check|decommission|migrate|arrange|apply|roll|ensure|send|raise|escalate|upgrade|renew';
/** Someone will do something next. */
export const PLAN = new RegExp(
  `(^|[.!;]\\s+)will (${PLAN_VERBS})\\b|\\b(\\w+( will|'ll| is going to| are going to| plans? to) (${PLAN_VERBS})|(tech|technician|engineer|vendor|user|customer|client|msp|support|team|we|i) to (${PLAN_VERBS})|follow[- ]?up (on|by|with|scheduled|booked|call|visit|set|planned)|check[- ]?(back|in)|next steps?|scheduled|reminder|booked|monitor(ing|ed)? (for|until|over|through)|(to|will) be (checked|reviewed|monitored|replaced|installed|scheduled))\\b`,
  'i',
);
/** "Dan to check Friday" (case-sensitive: a capitalised name). */
export const PLAN_NAMED = new RegExp(`\\b([A-Z][a-z]+) to (${PLAN_VERBS})\\b`);
export const NOT_AN_OWNER =
  /^(Need|Needs|Have|Has|Tried|Unable|Able|Going|Remember|How|Want|Wants|Asked|Used|Due|Back|Access|Up|Also|Then|Reminder|Remind|Order|Appointment)$/;
export const PLAN_VAGUE =
  /\b(will monitor|monitor(ing)?|keep an eye|keep watching|look at (this|it) again|revisit|follow[- ]?up|should (look|check)|to be (checked|reviewed|monitored)|later)\b/i;
export const GENERIC_NOTE =
  /^(work|worked|ticket|support|done|fixed|time|misc|admin|n\/a|-|\.|remote|call|phone|email|investigation|troubleshooting|resolved|as above|see (ticket|notes)|it support)?\.?$/i;

// customer_communication
/** A closing message says what was done or what the customer can do now ... */
export const CLOSING_DONE =
  /\b(resolved|fixed|sorted|completed|done|set up|created|installed|restored|replaced|updated|reset|unlocked|enabled|granted|added|removed|renewed|configured|working (again|now)|back (up|online|to normal)|(is|are) (now )?(ready|all set|in place|live|active)|(you|she|he|they) (can|should) now|(has|have) been|is now|are now|i've|i have|we've|we have|closing|closed)\b/i;
/** ... or what to do if it comes back. */
export const CLOSING_INVITE =
  /\b(let (us|me) know|reach out|get in touch|contact (us|me|the (service|help) ?desk)|(give|call|ring) us|reply (to this|here)|just reply|reopen|re-open|if (it|this|the (issue|problem)|that|anything) (happens|recurs|comes back|returns|reappears|occurs)|any (other|further|more) (issues|problems|questions)|don't hesitate|feel free|happy to help)\b/i;
/** The customer had to chase. */
export const CHASE =
  /\b(any (update|news|progress)|still waiting|chasing|following up on (my|this|our)|(no ?one|nobody) (has )?(got|gotten|come) back|heard nothing|haven't heard|have not heard|hello\?|is anyone|third time (i|we) (have )?ask|when will (this|someone|you))\b/i;
/** A public reply that says why the ticket waits. */
export const WAIT_EXPLAINED =
  /\b(waiting (for|on)|awaiting|on hold|pending|once (we|you|the)|as soon as|when (the|we|you)|we will (update|let you know|check|contact)|expected (on|by)|eta|on order|back to you)\b/i;
