import { ACTION, type Facts, RESTART } from './facts.js';
import {
  AGENT_VERIFY,
  AGENT_VERIFY_NAMED,
  AGENT_WEAK,
  ASSET,
  ASSET_ID,
  CAUSE,
  CAUSE_UNKNOWN,
  CHASE,
  CLOSING_DONE,
  CLOSING_INVITE,
  CONFIRM,
  ERROR_MENTION,
  ERROR_TEXT,
  FINAL_NOTICE,
  GENERIC_NOTE,
  INVESTIGATION,
  NEGATIVE,
  NO_RESPONSE,
  NOT_A_USER,
  NOT_AN_OWNER,
  NOTHING_REMAINS,
  OUTSTANDING,
  PERSON_NAME,
  PERSON_WORD,
  PLAN,
  PLAN_NAMED,
  PLAN_VAGUE,
  RESTATED,
  SPECIFIC_ASSET,
  TIMING,
  TRACKED,
  VAGUE,
  WAIT_EXPLAINED,
  WHEN,
} from './phrases.js';
import { EMPTY_VALUE, type Section } from './sections.js';
import {
  allHits,
  findHit,
  findHitWhere,
  firstSentence,
  type Hit,
  listPhrase,
  quote,
  wordCount,
} from './text.js';

/**
 * One rule per criterion id, each an application of that criterion's
 * met / partial / missing / n/a definitions in rubric.md. Ids the simulator
 * has no rule for get the neutral rule (n/a, so they do not move the score).
 */

export type Result = 'met' | 'partial' | 'missing' | 'n/a';

export interface Judgment {
  result: Result;
  evidence: string;
  missing: string;
}

const j = (result: Result, evidence = '', missing = ''): Judgment => ({
  result,
  evidence,
  missing,
});

/** The sentence of a labelled section: the label and its text. */
const sectionQuote = (s: Section) => quote({ ...s.hit, match: `${s.hit.match}${s.text}` });

function namesSomeone(f: Facts, text: string): boolean {
  return f.t.requester !== '' || PERSON_WORD.test(text) || PERSON_NAME.test(text);
}

/**
 * problem_statement: what is wrong, for whom, on which system, and how it
 * shows (with the error text when there is an error). A vague phrase is
 * missing; a clear symptom with an element absent is partial.
 */
const LOCATION = /\b(floor|room|office|site|building|desk|branch|reception|warehouse|level \d)\b/i;
const GENERIC_SYMPTOM = /^(issues?|problems?|not working|help|errors?|fault|broken)$/i;

function problemStatement(f: Facts): Judgment {
  // The technician's "Problem:" line (standards.md) can complete a thin description.
  const problem = f.sections.get('problem')?.text ?? '';
  const text = [...f.statement, problem].join('\n');
  const words = f.statementWords + wordCount(problem);
  const hit = f.symptom ?? f.request;
  const evidence = hit ? quote(hit) : firstSentence(f.t.description || f.t.subject);
  const issue = hit !== undefined || f.serviceRequest;
  const asset = ASSET.test(text) || ASSET_ID.test(text);
  if (f.alert) {
    if (asset && issue && words >= 5) return j('met', evidence);
    if (words >= 4)
      return j('partial', evidence, 'The alert is not interpreted: no device, job or failure.');
    return j('missing', evidence, 'The alert text is empty or meaningless.');
  }
  const specifics = [
    SPECIFIC_ASSET.test(text) || ASSET_ID.test(text),
    PERSON_NAME.test(text),
    ERROR_TEXT.test(text),
    LOCATION.test(text),
    WHEN.test(text),
    hit !== undefined && !GENERIC_SYMPTOM.test(hit.match),
  ].filter(Boolean).length;
  if (words < 3 || (!issue && words < 10) || (words < 10 && specifics === 0)) {
    return j(
      'missing',
      evidence,
      'No usable problem statement: the description is empty or a vague phrase.',
    );
  }
  const absent: string[] = [];
  if (!namesSomeone(f, text)) absent.push('who is affected');
  if (f.serviceRequest) {
    if (!f.request && !issue) absent.push('what is requested');
  } else {
    if (!asset) absent.push('which system or device');
    if (ERROR_MENTION.test(text) && !ERROR_TEXT.test(text)) absent.push('the error text');
    if (!issue) absent.push('the symptom');
  }
  if (absent.length === 0 && words >= 8) return j('met', evidence);
  return j(
    'partial',
    evidence,
    `The description does not state ${listPhrase(absent) || 'enough detail to pick the ticket up cold'}.`,
  );
}

/** Access changes need the approver's name (standards.md). */
const ACCESS_CHANGE =
  /\b(grant|give|add|provide)\b[^.\n]{0,40}\b(access|permissions?|rights|admin|membership)\b|\b(access|permissions?) (to|for|on)\b[^.\n]{0,40}\b(shared mailbox|folder|drive|share|group|site|system|application|app)\b/i;
const APPROVAL =
  /\b(approv(ed|al|es)|authori[sz](ed|ation)|signed off|sign-off|line manager (confirmed|agreed|ok)|manager (confirmed|agreed|ok'?d)|on behalf of|ok'?d by)\b/i;

/**
 * work_requested: what the customer (or the alert) asked for, and who asked.
 * n/a for alerts and MSP-internal maintenance.
 */
function workRequested(f: Facts): Judgment {
  if (f.alert || (f.internal && f.customerComments.length === 0)) return j('n/a');
  const hit = f.request ?? f.symptom;
  const evidence = quote(hit) || firstSentence(f.t.description || f.t.subject);
  const customerWords = f.customerComments.reduce((n, c) => n + wordCount(c.body), 0);
  // The technician's "Request:" line (standards.md) records it too.
  const section = f.sections.get('request');
  if (section && wordCount(section.text) >= 2 && !EMPTY_VALUE.test(section.text))
    return j('met', sectionQuote(section));
  if ((f.statementWords < 4 || (!hit && f.statementWords < 10)) && customerWords < 5)
    return j('missing', evidence, 'Nothing says what the customer asked for.');
  const requester = f.t.requester !== '' || PERSON_NAME.test(f.statement.join(' '));
  if (!requester)
    return j('partial', evidence, 'The request is recorded, but not who asked for it.');
  if (
    f.serviceRequest &&
    ACCESS_CHANGE.test(f.statement.join(' ')) &&
    !f.allTexts.some((t) => APPROVAL.test(t))
  )
    return j('partial', evidence, 'An access change was requested; no approver is recorded.');
  if (f.statementWords < 8 || !hit)
    return j('partial', evidence, 'The request is implied; its scope is not stated.');
  return j('met', evidence);
}

/** work_performed: concrete steps with objects and results. */
function workPerformed(f: Facts): Judgment {
  const actions = allHits(f.agentTexts, ACTION);
  const distinct = new Set(actions.map((h) => h.match.toLowerCase())).size;
  if ((f.cancelled || f.merged) && distinct <= 1) return j('n/a');
  const evidence = quote(actions[0]);
  const work = f.sections.get('work');
  if (f.agentWords >= 20 && distinct >= 2) return j('met', evidence);
  if (work && wordCount(work.text) >= 8 && distinct >= 1) return j('met', sectionQuote(work));
  if ((f.agentWords >= 4 && distinct >= 1) || f.agentWords >= 12) {
    return j(
      'partial',
      evidence || firstSentence(f.agentTexts[0] ?? ''),
      'Some steps are recorded, but not enough to repeat or audit the work.',
    );
  }
  return j('missing', firstSentence(f.agentTexts[0] ?? ''), 'No record of the steps taken.');
}

function unknownCause(f: Facts, evidence: string): Judgment {
  return findHit(f.agentTexts, INVESTIGATION)
    ? j('met', evidence)
    : j('partial', evidence, 'The cause is given as unknown, but nothing says what was checked.');
}

/**
 * root_cause: for faults, a specific cause, or "cause not determined" plus
 * what was checked. n/a for service requests (and tickets cancelled or
 * merged before any work).
 */
function rootCause(f: Facts): Judgment {
  if (f.serviceRequest) return j('n/a');
  const actions = new Set(allHits(f.agentTexts, ACTION).map((h) => h.match.toLowerCase()));
  if ((f.cancelled || f.merged) && actions.size <= 1) return j('n/a');
  const section = f.sections.get('cause');
  if (section && !EMPTY_VALUE.test(section.text) && !/^unknown\b/i.test(section.text)) {
    const said = sectionQuote(section);
    if (CAUSE_UNKNOWN.test(section.text)) return unknownCause(f, said);
    if (VAGUE.test(section.text))
      return j('partial', said, 'The cause given is a guess; nothing supports it.');
    if (RESTATED.test(section.text.trim()))
      return j('partial', said, 'The "cause" restates the symptom; it does not say why.');
    return j('met', said);
  }
  if (section) return unknownCause(f, sectionQuote(section));
  const unknown = findHit(f.agentTexts, CAUSE_UNKNOWN);
  if (unknown) return unknownCause(f, quote(unknown));
  const cause = findHit(f.agentTexts, CAUSE, { negatable: true });
  if (cause) {
    const said = quote(cause);
    return VAGUE.test(said)
      ? j('partial', said, 'The cause given is a guess; nothing supports it.')
      : j('met', said);
  }
  const restart = findHit(f.agentTexts, RESTART);
  if (restart) {
    return j(
      'missing',
      quote(restart),
      'The fault was cleared by a restart or reinstall; no cause or investigation is recorded.',
    );
  }
  return j('missing', '', 'No cause of the fault is recorded.');
}

function agentVerification(f: Facts): Hit | undefined {
  return (
    findHit(f.agentTexts, AGENT_VERIFY, { negatable: true }) ??
    findHitWhere(
      f.agentTexts,
      AGENT_VERIFY_NAMED,
      (m) => !m.slice(1).some((g) => g !== undefined && NOT_A_USER.test(g)),
      { negatable: true },
    )
  );
}

const THANKS =
  /^\W*(got it|ok(ay)?|great|perfect|brilliant|excellent|lovely|fantastic|wonderful|awesome|super|many thanks|thanks|thank you|thx|cheers|much appreciated|that('s| is) (great|perfect|helpful)|that helps)\b/i;

/**
 * resolution_verified: a user-side test or written confirmation. n/a when
 * cancelled, merged, or still open; missing when the customer's last word is
 * that it still fails.
 */
function resolutionVerified(f: Facts): Judgment {
  if (f.cancelled || f.merged) return j('n/a');
  if (f.stillOpen)
    return j(
      'n/a',
      '',
      `The ticket is still ${f.t.status}; the resolution cannot be verified yet.`,
    );
  const last = f.customerComments.at(-1);
  if (last && NEGATIVE.test(last.body) && !CONFIRM.test(last.body)) {
    return j(
      'missing',
      quote(findHit([last.body], NEGATIVE)),
      "The customer's last comment still reports the problem.",
    );
  }
  const confirmed = findHit(
    f.customerComments.map((c) => c.body),
    CONFIRM,
    { negatable: true },
  );
  if (confirmed) return j('met', quote(confirmed));
  // The customer's thanks in reply to a message saying the work is done is written acceptance.
  const lastComment = f.t.comments.at(-1);
  const previousAgent = f.publicAgentComments.at(-1);
  if (
    lastComment?.role === 'customer' &&
    THANKS.test(lastComment.body) &&
    previousAgent &&
    (CLOSING_DONE.test(previousAgent.body) ||
      (f.serviceRequest && wordCount(previousAgent.body) >= 8)) &&
    !NEGATIVE.test(lastComment.body)
  )
    return j('met', firstSentence(lastComment.body));
  const section = f.sections.get('verified');
  if (section && !EMPTY_VALUE.test(section.text) && !/^(no|not)\b/i.test(section.text)) {
    if (AGENT_WEAK.test(section.text) && !AGENT_VERIFY.test(section.text))
      return j('partial', sectionQuote(section), 'Tested from the MSP side only.');
    if (wordCount(section.text) >= 2) return j('met', sectionQuote(section));
  }
  const verified = agentVerification(f);
  if (verified) return j('met', quote(verified));
  const noResponse = findHit(f.agentTexts, NO_RESPONSE);
  if (noResponse) {
    const notice = findHit(
      f.publicAgentComments.map((c) => c.body),
      FINAL_NOTICE,
    );
    return notice
      ? j('met', quote(notice))
      : j(
          'partial',
          quote(noResponse),
          'Closed under the no-response rule without the final notice to the customer.',
        );
  }
  const weak = findHit(f.agentTexts, AGENT_WEAK);
  if (weak)
    return j('partial', quote(weak), 'No test by or confirmation from the user is recorded.');
  return j('missing', '', 'Closed with no recorded test and no confirmation from the customer.');
}

/** The agent texts a follow-up would be in: the last two comments and the time notes. */
function closingTexts(f: Facts): string[] {
  const agent = f.t.comments.filter((c) => c.role === 'agent').map((c) => c.body);
  return [...agent.slice(-2), ...f.t.timeEntries.map((e) => e.note)].filter(Boolean);
}

function planIn(texts: readonly string[]): Hit | undefined {
  return (
    findHit(texts, PLAN, { negatable: true }) ??
    findHitWhere(texts, PLAN_NAMED, (m) => !NOT_AN_OWNER.test(m[1] ?? ''))
  );
}

/** A named or first-person owner of the plan ("I'll", "we will", "Dan to", "vendor to"). */
const OWNER =
  /\b(i|we|i'll|we'll|i will|we will|tech|technician|engineer|vendor|isp|supplier|user|customer|client|she|he|they|msp|support|service desk|account manager)\b/i;

/**
 * follow_up: open items with an owner or a time (met), or an explicit note
 * that nothing remains (met); a follow-up mentioned with neither ("will
 * monitor") is partial; something left open with no plan is missing; n/a when
 * nothing could reasonably remain open.
 */
function followUp(f: Facts): Judgment {
  const section = f.sections.get('follow_up');
  if (section) {
    const said = sectionQuote(section);
    if (EMPTY_VALUE.test(section.text) || NOTHING_REMAINS.test(section.text)) return j('met', said);
    if (
      TRACKED.test(section.text) ||
      TIMING.test(section.text) ||
      OWNER.test(section.text) ||
      PLAN_NAMED.test(section.text) ||
      wordCount(section.text) >= 4
    )
      return j('met', said);
    return j('partial', said, 'A follow-up is mentioned without an owner or a date.');
  }
  const none = findHit(f.agentTexts, NOTHING_REMAINS);
  if (none) return j('met', quote(none));
  const recent = closingTexts(f);
  const tracked = findHit(recent, TRACKED);
  if (tracked) return j('met', quote(tracked));
  const plan = planIn(recent);
  if (plan) {
    const sentence = quote(plan, 240);
    if (TIMING.test(sentence) || OWNER.test(plan.match) || PLAN_NAMED.test(plan.match))
      return j('met', quote(plan));
  }
  const vague = plan ?? findHit(recent, PLAN_VAGUE, { negatable: true });
  if (vague) {
    const sentence = quote(vague, 240);
    if (TIMING.test(sentence)) return j('met', sentence);
    return j('partial', quote(vague), 'A follow-up is mentioned without an owner or a date.');
  }
  const customerTexts = f.customerComments.map((c) => c.body);
  // A fault cleared by a restart with no cause found is a workaround that may come back
  // (patterns.md reboot_no_root_cause relates to follow_up).
  const rebootOnly =
    !f.serviceRequest && rootCause(f).result === 'missing'
      ? findHit(f.agentTexts, RESTART)
      : undefined;
  const outstanding =
    findHit(recent, OUTSTANDING, { negatable: true }) ??
    f.recurring ??
    rebootOnly ??
    (f.stillOpen
      ? findHit([...recent, ...customerTexts], OUTSTANDING, { negatable: true })
      : undefined);
  if (outstanding) {
    return j(
      'missing',
      quote(outstanding),
      'Something was left open and nothing says who follows it up, or when.',
    );
  }
  if (f.stillOpen)
    return j(
      'missing',
      '',
      `The ticket is ${f.t.status}; nothing says what happens next, or when.`,
    );
  return j('n/a');
}

function timeEntries(f: Facts): Judgment {
  const entries = f.t.timeEntries;
  if (entries.length === 0) {
    if ((f.cancelled || f.merged) && f.agentWords < 25) return j('n/a');
    return j('missing', '', 'No time entry is logged.');
  }
  const empty = entries.filter((e) => wordCount(e.note) === 0).length;
  const firstNote = entries.find((e) => wordCount(e.note) > 0)?.note ?? '';
  if (empty === entries.length) return j('missing', '', 'Every time entry has an empty note.');
  const generic = entries.filter(
    (e) => GENERIC_NOTE.test(e.note.trim()) || wordCount(e.note) < 2,
  ).length;
  const total = entries.reduce((n, e) => n + e.minutes, 0);
  if (generic > 0) {
    return j(
      'partial',
      firstSentence(firstNote),
      `${generic} of ${entries.length} time entries have an empty or generic note.`,
    );
  }
  if (total === 0) return j('partial', firstSentence(firstNote), 'The time entries log 0 minutes.');
  if (total > 240 && f.agentWords < 40) {
    return j(
      'partial',
      firstSentence(firstNote),
      `${total} minutes are logged for little recorded work.`,
    );
  }
  return j('met', firstSentence(firstNote));
}

/** The last sentence of a comment asks something ("…, is that right?"). */
function asksQuestion(body: string): boolean {
  const tail =
    body
      .trim()
      .split(/(?<=[.!])\s+/)
      .at(-1) ?? '';
  return tail.includes('?') && !/^(thanks|thank you|cheers)\b/i.test(tail);
}

/**
 * customer_communication: public replies keep the customer informed: an
 * acknowledgement, the reason for any wait, and a closing message saying what
 * was done or what to do if it recurs.
 */
function customerCommunication(f: Facts): Judgment {
  const customerRaised = f.t.requester !== '' || f.customerComments.length > 0;
  if (f.alert && f.customerComments.length === 0) return j('n/a');
  if (!customerRaised || (f.internal && f.customerComments.length === 0)) return j('n/a');
  const replies = f.publicAgentComments;
  const last = replies.at(-1);
  if (!last) return j('missing', '', 'No public reply to the customer is recorded.');
  const evidence = firstSentence(last.body);
  const lastComment = f.t.comments.at(-1);
  if (lastComment?.role === 'customer' && asksQuestion(lastComment.body)) {
    const q = quote({
      source: lastComment.body,
      index: lastComment.body.lastIndexOf('?'),
      match: '?',
    });
    return f.stillOpen
      ? j('partial', q, "The customer's last question has no reply yet.")
      : j('missing', q, "The customer's last question was never answered.");
  }
  const chase = findHit(
    f.customerComments.map((c) => c.body),
    CHASE,
  );
  if (chase) return j('partial', quote(chase), 'The customer had to chase for an update.');
  if (wordCount(last.body) < 5)
    return j('partial', evidence, 'The reply to the customer is curt and says nothing useful.');
  if (f.stillOpen) {
    if (
      ['pending', 'on_hold'].includes(f.t.status) &&
      !replies.some((c) => WAIT_EXPLAINED.test(c.body))
    )
      return j(
        'partial',
        evidence,
        `The ticket is ${f.t.status}; the customer was not told what it waits for.`,
      );
    return j('met', evidence);
  }
  if (f.cancelled || f.merged) return j('met', evidence);
  if (CLOSING_DONE.test(last.body) || CLOSING_INVITE.test(last.body)) return j('met', evidence);
  return j(
    'partial',
    evidence,
    'No closing message tells the customer what was done and what to do if it recurs.',
  );
}

export const CRITERION_RULES: Record<string, (f: Facts) => Judgment> = {
  problem_statement: problemStatement,
  work_requested: workRequested,
  work_performed: workPerformed,
  root_cause: rootCause,
  resolution_verified: resolutionVerified,
  follow_up: followUp,
  time_entries: timeEntries,
  customer_communication: customerCommunication,
};

export { j as judgment };
