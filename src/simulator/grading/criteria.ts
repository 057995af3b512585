import { ACTION, type Facts, RESTART } from './facts.js';
import {
  AGENT_VERIFY,
  AGENT_WEAK,
  ASSET,
  CAUSE,
  CLOSING,
  CONFIRM,
  ERROR_TEXT,
  GENERIC_NOTE,
  NEGATIVE,
  NOTHING_REMAINS,
  OUTSTANDING,
  PERSON,
  PLAN_SPECIFIC,
  PLAN_VAGUE,
  VAGUE,
  WHEN,
} from './phrases.js';
import { allHits, findHit, firstSentence, listPhrase, quote, wordCount } from './text.js';

/**
 * One keyword/structure rule per criterion id. Ids the simulator has no rule
 * for get the neutral rule (n/a, so they do not move the score).
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

function problemStatement(f: Facts): Judgment {
  const desc = f.t.description;
  const words = wordCount(desc);
  const hit = f.symptom ?? f.request;
  const evidence = hit ? quote(hit) : firstSentence(desc || f.t.subject);
  const elements: Array<[string, boolean]> = [
    ['who is affected', f.t.requester !== '' || PERSON.test(desc)],
    ['the system or asset', ASSET.test(desc)],
    ['the error text', ERROR_TEXT.test(desc)],
    ['since when', WHEN.test(desc)],
  ];
  const absent = elements.filter(([, ok]) => !ok).map(([name]) => name);
  if (f.alert && words >= 5) return j('met', evidence);
  if (f.serviceRequest && f.request && words >= 12 && elements[0]?.[1]) return j('met', evidence);
  if (words >= 15 && hit && absent.length <= 2) return j('met', evidence);
  if ((words >= 6 && hit) || words >= 15) {
    return j(
      'partial',
      evidence,
      `The description does not state ${listPhrase(absent.slice(0, 3)) || 'the symptom clearly'}.`,
    );
  }
  return j(
    'missing',
    evidence,
    'No usable problem statement: the description is empty or a vague phrase.',
  );
}

function workRequested(f: Facts): Judgment {
  if (f.alert) return j('n/a');
  const words = f.statement.reduce((n, s) => n + wordCount(s), 0);
  if (f.request && f.t.requester !== '' && words >= 10) return j('met', quote(f.request));
  if (f.symptom && f.t.requester !== '' && words >= 14) return j('met', quote(f.symptom));
  if (f.request || f.symptom) {
    return j(
      'partial',
      quote(f.request ?? f.symptom),
      'The request is implied; its scope or the requester is not stated.',
    );
  }
  return j('missing', '', 'Nothing says what the customer asked for.');
}

function workPerformed(f: Facts): Judgment {
  if (f.cancelled && f.agentWords < 5) return j('n/a');
  const actions = allHits(f.agentTexts, ACTION);
  const distinct = new Set(actions.map((h) => h.match.toLowerCase())).size;
  const evidence = quote(actions[0]);
  if (f.agentWords >= 20 && distinct >= 2) return j('met', evidence);
  if ((f.agentWords >= 4 && distinct >= 1) || f.agentWords >= 12) {
    return j(
      'partial',
      evidence,
      'Some steps are recorded, but not enough to repeat or audit the work.',
    );
  }
  return j('missing', firstSentence(f.agentTexts[0] ?? ''), 'No record of the steps taken.');
}

function rootCause(f: Facts): Judgment {
  if (f.serviceRequest) return j('n/a');
  const cause = findHit(f.agentTexts, CAUSE) ?? findHit(f.allTexts, CAUSE);
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

function resolutionVerified(f: Facts): Judgment {
  if (f.cancelled) return j('n/a');
  if (f.stillOpen)
    return j(
      'n/a',
      '',
      `The ticket is still ${f.t.status}; the resolution cannot be verified yet.`,
    );
  const last = f.customerComments.at(-1);
  if (last && NEGATIVE.test(last.body)) {
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
  const verified = findHit(f.agentTexts, AGENT_VERIFY);
  if (verified) return j('met', quote(verified));
  const weak = findHit(f.agentTexts, AGENT_WEAK);
  if (weak)
    return j('partial', quote(weak), 'No test by or confirmation from the user is recorded.');
  return j('missing', '', 'Closed with no recorded test and no confirmation from the customer.');
}

function followUp(f: Facts): Judgment {
  const texts = [...f.agentTexts, ...f.customerComments.map((c) => c.body)];
  const none = findHit(f.agentTexts, NOTHING_REMAINS);
  if (none) return j('met', quote(none));
  const outstanding = findHit(texts, OUTSTANDING, { negatable: true });
  const specific = findHit(f.agentTexts, PLAN_SPECIFIC);
  const vague = findHit(f.agentTexts, PLAN_VAGUE);
  if (specific) return j('met', quote(specific));
  if (vague)
    return j('partial', quote(vague), 'A follow-up is mentioned without an owner or a date.');
  if (outstanding) {
    return j(
      'missing',
      quote(outstanding),
      'Something was left open and nothing says who follows it up, or when.',
    );
  }
  if (f.serviceRequest || f.cancelled) return j('n/a');
  return j('partial', '', 'No note says whether anything remains open.');
}

function timeEntries(f: Facts): Judgment {
  const entries = f.t.timeEntries;
  if (entries.length === 0) {
    if (f.cancelled && f.agentWords < 5) return j('n/a');
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

function customerCommunication(f: Facts): Judgment {
  const customerRaised = f.t.requester !== '' || f.customerComments.length > 0;
  if (!customerRaised || f.alert) return j('n/a');
  const replies = f.publicAgentComments;
  const last = replies.at(-1);
  if (!last) return j('missing', '', 'No public reply to the customer is recorded.');
  const evidence = firstSentence(last.body);
  const lastComment = f.t.comments.at(-1);
  if (lastComment?.role === 'customer' && lastComment.body.trim().endsWith('?')) {
    return j(
      'partial',
      quote({ source: lastComment.body, index: 0, match: '' }),
      "The customer's last question was not answered.",
    );
  }
  const words = replies.reduce((n, c) => n + wordCount(c.body), 0);
  if (f.stillOpen && words >= 8) return j('met', evidence);
  if (CLOSING.test(last.body) && words >= 15) return j('met', evidence);
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
