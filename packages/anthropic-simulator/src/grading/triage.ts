import { priorityGap, TOPICS } from './criteria-fields.js';
import { type Facts, STRONG_SYMPTOM, SYMPTOM } from './facts.js';
import { ASSET, ASSET_ID, ERROR_TEXT, PERSON_NAME, SPECIFIC_ASSET } from './phrases.js';
import { EMPTY_VALUE, readSections, TRIAGE_LABELS } from './sections.js';
import { wordCount } from './text.js';

/**
 * Attributions to the triage agent (context/agents/triage.md, "Failure
 * categories", and qc-worker.md "Attributing failures to other agents").
 * Only when an agent (not a person) triaged; triage is judged on what it
 * could know at arrival: its notes against the subject and description, not
 * against facts found later.
 */

export interface Attribution {
  agent: string;
  category: string;
  note: string;
}

/** Notes that say nothing a technician can start from. */
const GENERIC_TRIAGE =
  /^(see (ticket|above|description|below|email|attached)|user (has|having|reports?) (an? )?(issue|problem)s?|(an? )?(issue|problem|fault|request)|n\/a|none|forwarded|assigned|triaged|fyi|as per (e-?mail|call|ticket)|please (check|investigate|look)|check|investigate|to do|tbc)\.?$/i;
/** A value that is there only in form ("Affected: user", "Impact: issue"). */
const PLACEHOLDER =
  /^(the |a |an )?(user|users|customer|client|someone|issue|problem|fault|error|unknown|investigate|check|check it|look into it|see ticket|see description|tbc|tbd|n\/a|none|-+)\.?$/i;

/** Who or how many: a person, a role, a group, a site, or a count. */
const WHO =
  /\b(users?|staff|people|persons?|colleagues?|employees?|members?|team|teams|department|dept|office|offices|office-wide|site|sites|site-wide|company|company-wide|organi[sz]ation|branch|floor|building|front desk|reception(ist)?|everyone|everybody|nobody|no one|anyone|all (of )?(the )?\w+|whole \w+|entire \w+|single|one|two|three|four|five|several|multiple|many|few|\d+ (users?|people|staff|seats|machines|devices|pcs|laptops|mailboxes|accounts)|requester|caller|customer|client|owner|partner|director|manager|ceo|cfo|coo|vip|executive|assistant|accountant|bookkeeper|nurse|doctor|teacher|intern|new (starter|hire|user|employee)|leaver|finance|hr|accounts|payroll|sales|marketing|warehouse|operations|legal|admin team|she|he|they|her|his|their)\b/i;
/** What they cannot do: a blocked action, an outage, a degradation. */
const CANNOT =
  /\b(cannot|can't|cant|can not|unable|not able|no longer|blocked|blocking|prevent(s|ed|ing)?|stops?|stopped|no access|lost access|locked out|down|offline|outage|not working|(doesn't|does not|won't|will not|isn't|is not) work(ing)?|degraded|slow|impact(ed|s)?|affect(ed|s|ing)?|disrupt(ed|s|ion)?|interrupt(ed|s|ion)?|workaround|can still|cannot work|halted|fails?|failing|failed|without|no (wi-?fi|internet|access|e-?mail|mail|network|connection|signal|power|phones?|dial tone|sound|display|printing|vpn))\b/i;
/** A single name as the subject of what happens ("Sarah cannot scan"). */
const NAMED_SUBJECT =
  /\b[A-Z][a-z]+('s)? (cannot|can't|can not|is unable|unable|has|had|reports?|says|needs|wants|lost|gets|is getting|sees|is locked|laptop|pc|phone|mailbox|account|printer)\b/;
/** Device words: the ticket clearly involves a device or mailbox. */
const DEVICE =
  /\b(printer|printers|copier|scanner|mfp|laptop|notebook|pc|desktop|workstation|computer|server|nas|mailbox|shared mailbox|phone|handset|mobile|iphone|tablet|ipad|monitor|screen|dock|docking station|router|switch|firewall|access point|ups)\b/i;

const PRIORITY_LINE = /\b(low|normal|medium|high|urgent|critical)\b/i;

/** Something a technician can start from: a device, a name, an error, a count, a place, a symptom. */
function specifics(notes: string): number {
  return [
    ASSET_ID.test(notes) || SPECIFIC_ASSET.test(notes),
    PERSON_NAME.test(notes),
    ERROR_TEXT.test(notes),
    /\b\d+ (users?|people|staff|machines|devices|pcs)\b/i.test(notes),
    /\b(floor|room|office|site|building|desk|branch|reception)\b/i.test(notes),
    STRONG_SYMPTOM.test(notes),
  ].filter(Boolean).length;
}

function thin(notes: string, lines: Map<string, { text: string }>): boolean {
  const words = wordCount(notes);
  if (words < 8 || GENERIC_TRIAGE.test(notes.trim())) return true;
  // Short notes with nothing specific in them ("User has a problem with printing, please check.").
  if (words < 15 && specifics(notes) === 0) return true;
  if (lines.size >= 3) {
    // The labelled form with nothing behind the labels that say what to do.
    const substantive = ['affected', 'impact', 'next_step'].filter((k) => {
      const v = lines.get(k)?.text ?? '';
      return v !== '' && !EMPTY_VALUE.test(v) && !PLACEHOLDER.test(v);
    });
    return substantive.length === 0;
  }
  return false;
}

function stated(value: string | undefined): boolean {
  return (
    value !== undefined && value !== '' && !EMPTY_VALUE.test(value) && !PLACEHOLDER.test(value)
  );
}

/** Asset ids the description gives (tags, models, addresses), lower-cased. */
function assetIds(text: string): string[] {
  const re = new RegExp(ASSET_ID.source, 'gi');
  return [...text.matchAll(re)].map((m) => m[0].toLowerCase()).filter((x) => /\d|@/.test(x));
}

function topicsOf(text: string): string[] {
  return Object.entries(TOPICS)
    .filter(([name, re]) => re.test(text) || text.toLowerCase().includes(name))
    .map(([name]) => name);
}

export function findAttributions(agents: Map<string, string[]>, f: Facts): Attribution[] {
  const triage = f.t.triage;
  if (!triage || triage.kind === 'person') return [];
  const categories = agents.get(triage.by);
  if (!categories) return [];
  const out: Attribution[] = [];
  const add = (category: string, note: string) => {
    if (categories.includes(category) && !out.some((a) => a.category === category))
      out.push({ agent: triage.by, category, note });
  };
  const notes = triage.notes.trim();
  const lines = readSections([notes], TRIAGE_LABELS, 2);
  const arrival = f.statement.join('\n');
  const short = notes.slice(0, 80);

  if (thin(notes, lines)) {
    // Thin notes lack everything; the specific categories are for notes that are otherwise usable.
    add(
      'insufficient_detail',
      `Triage notes are ${wordCount(notes)} words ("${short}"), too little for the technician to start work.`,
    );
  } else {
    const requesterNames = f.t.requester
      .split(/[\s@.]+/)
      .filter((x) => x.length >= 3)
      .map((x) => x.toLowerCase());
    const notesWords = new Set(notes.toLowerCase().split(/[^a-z'-]+/));
    const who =
      stated(lines.get('affected')?.text) ||
      WHO.test(notes) ||
      /\b[A-Z][a-z]+ [A-Z][a-z]+\b/.test(notes) ||
      NAMED_SUBJECT.test(notes) ||
      requesterNames.some((x) => notesWords.has(x));
    // A symptom in the notes ("Outlook keeps asking for a password") says what goes wrong for them.
    const what = stated(lines.get('impact')?.text) || CANNOT.test(notes) || SYMPTOM.test(notes);
    // No impact statement at all: neither who (or how many) nor what goes wrong for them. Notes
    // that name the people affected, or say what they cannot do, state the impact.
    if (!who && !what)
      add(
        'no_impact_statement',
        'Triage notes say neither who or how many are affected nor what they cannot do.',
      );
    const ids = assetIds(arrival);
    const notesLower = notes.toLowerCase();
    const namesAsset = ASSET_ID.test(notes) || ASSET.test(notes);
    const gap =
      ids.length > 0
        ? !ids.some((id) => notesLower.includes(id)) && !ASSET_ID.test(notes)
        : DEVICE.test(arrival) && !DEVICE.test(notes) && !namesAsset;
    if (gap)
      add(
        'missing_asset_info',
        ids.length > 0
          ? `The description names ${ids[0]}; the triage notes name no device.`
          : 'The ticket involves a device, but the triage notes name none.',
      );
  }

  // Only a priority triage itself wrote can be wrong; one step too high is the "when unsure,
  // pick the higher one" triage.md asks for.
  const triagePriority = PRIORITY_LINE.exec(lines.get('priority')?.text ?? '')?.[1]?.toLowerCase();
  const priority = triagePriority ? priorityGap(f, triagePriority, f.statement) : undefined;
  if (
    priority &&
    (priority.wanted === 'urgent' || priority.wanted === 'high' || priority.steps >= 2)
  )
    add(
      'wrong_priority',
      `Triage priority ${triagePriority} does not fit what the ticket described at arrival (${priority.wanted}).`,
    );

  const triageCategory = lines.get('category')?.text.trim();
  if (
    triageCategory &&
    f.t.category &&
    triageCategory.toLowerCase() !== f.t.category.toLowerCase()
  ) {
    const said = topicsOf(triageCategory);
    const arrivalTopics = topicsOf(arrival);
    const generic =
      /^(general|other|misc)/i.test(triageCategory) && topicsOf(f.t.category).length > 0;
    const mismatch =
      said.length > 0 && arrivalTopics.length > 0 && !said.some((x) => arrivalTopics.includes(x));
    if (generic || mismatch)
      add(
        'wrong_category',
        `Triage set category "${triageCategory}" for a ticket the technician recategorised as "${f.t.category}".`,
      );
  }
  return out;
}
