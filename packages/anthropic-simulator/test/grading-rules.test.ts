import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { businessMinutes } from '../src/grading/sla.js';
import { gradeTicket } from '../src/grading/verdict.js';
import type { Schema } from '../src/schema-core.js';
import { type Verdict, verdictSchema } from './verdict-schema.js';

/**
 * The simulator's grading rules against the rubric and the triage failure
 * categories in context/: hand-written tickets (not the examples), graded
 * with the real context files as the system prompt, noise 0.
 */

const SYSTEM = ['agents/qc-worker.md', 'rubric.md', 'escalation.md', 'patterns.md', 'standards.md']
  .map((f) => readFileSync(`context/${f}`, 'utf8'))
  .join('\n\n');
const SCHEMA = verdictSchema() as unknown as Schema;

const at = (min: number) => new Date(Date.UTC(2026, 9, 5, 9, min)).toISOString();
const agent = (body: string, isPublic = false, min = 20) => ({
  author: 'Dan Tech',
  role: 'agent',
  public: isPublic,
  body,
  at: at(min),
});
const customer = (body: string, min = 40) => ({
  author: 'Sarah Ng',
  role: 'customer',
  public: true,
  body,
  at: at(min),
});

function ticket(over: Record<string, unknown> = {}) {
  return {
    source: 'test',
    externalId: 'R-1',
    subject: 'Cannot print to PRN-02',
    description:
      'Since 09:00 Sarah Ng (Finance) cannot print to PRN-02 on the 2nd floor; jobs stay queued with error "Printer offline".',
    status: 'solved',
    priority: 'normal',
    category: 'Printing',
    requester: { name: 'Sarah Ng', email: 'sarah@client.example' },
    createdAt: at(0),
    updatedAt: at(60),
    comments: [
      agent('Hi Sarah, thanks for reporting this; looking at it now.', true, 5),
      agent(
        'Checked PRN-02: it had a new IP after a DHCP lease renewal, cause was a missing reservation. Added a reservation, updated the port on WS-114, test page printed OK.',
      ),
      agent(
        'Hi Sarah, the printer address had changed; we fixed it and a test page printed. Let us know if it happens again.',
        true,
        30,
      ),
      customer('Works now, thanks!'),
    ],
    timeEntries: [{ minutes: 25, note: 'Diagnosed PRN-02 address change, added DHCP reservation' }],
    tags: [],
    customFields: {},
    threadIncomplete: false,
    ...over,
  };
}

function grade(t: Record<string, unknown>): Verdict {
  return gradeTicket({
    ticketText: `<ticket>\n${JSON.stringify(t)}\n</ticket>`,
    schema: SCHEMA,
    system: SYSTEM,
    modelId: 'claude-haiku-4-5-20251001',
    noise: 0,
    seed: 1,
    strongModel: false,
  }) as unknown as Verdict;
}
const result = (v: Verdict, id: string) => v.criteria.find((c) => c.criterion === id)?.result;
const categories = (v: Verdict) => v.attributions.map((a) => a.category);
const triaged = (notes: string, over: Record<string, unknown> = {}) =>
  grade(ticket({ triage: { by: 'triage', kind: 'agent', notes }, ...over }));

describe('triage attributions (agents/triage.md failure categories)', () => {
  it.each([
    'Category: Printing. Priority: normal. Affected: staff on the 2nd floor. Next step: check the PRN-02 queue.',
    'Office-wide: printing to PRN-02 is down; check the print server and the PRN-02 queue first.',
    'Front desk printer PRN-02 queue stuck; check the spooler on the print server.',
    'Whole team in Finance affected by the PRN-02 queue; check the spooler on the print server.',
    'All users at the site send jobs to PRN-02 and they sit in the queue; check the spooler.',
    'Nobody can print to PRN-02 since 09:00; check the spooler and the printer IP address.',
    '3 users in Finance report PRN-02 jobs stuck in the queue; check the spooler first.',
  ])('notes that state who or what is affected are not no_impact_statement: %s', (notes) => {
    expect(categories(triaged(notes))).not.toContain('no_impact_statement');
  });

  it('notes that say neither who is affected nor what they cannot do → no_impact_statement', () => {
    const v = triaged(
      'Category: Printing. Priority: normal. Next step: check the print queue on PRN-02 and the driver version.',
    );
    expect(categories(v)).toEqual(['no_impact_statement']);
  });

  it.each([
    'printer issue',
    'see ticket',
    'User has a problem with printing, please check.',
    'Category: Printing\nPriority: normal\nAffected: user\nImpact: issue\nNext step: investigate',
  ])('thin or generic notes → insufficient_detail only: %s', (notes) => {
    expect(categories(triaged(notes))).toEqual(['insufficient_detail']);
  });

  it('notes written by a person are never attributed', () => {
    const v = grade(ticket({ triage: { by: 'Jane Doe', kind: 'person', notes: 'see ticket' } }));
    expect(v.attributions).toEqual([]);
  });

  it('missing_asset_info when the description names the device and the notes do not', () => {
    const v = triaged(
      'Category: Printing. Priority: normal. Affected: Sarah Ng in Finance. Impact: cannot print. Next step: check the queue.',
    );
    expect(categories(v)).toEqual(['missing_asset_info']);
    const named = triaged(
      'Category: Printing. Priority: normal. Affected: Sarah Ng in Finance. Impact: cannot print to PRN-02. Next step: check the queue.',
    );
    expect(named.attributions).toEqual([]);
  });

  it('wrong_priority judges the priority triage wrote against the ticket at arrival', () => {
    const outage = {
      subject: 'Internet down',
      description: 'The whole office has no internet since 10:00; nobody can work.',
      category: 'Network and VPN',
      priority: 'urgent',
    };
    const low = triaged(
      'Category: Network and VPN. Priority: low. Affected: whole office. Impact: no internet. Next step: call the ISP.',
      outage,
    );
    expect(categories(low)).toContain('wrong_priority');
    // No Priority line: triage's own priority is unknown, so it is not blamed.
    const unstated = triaged('Whole office has no internet; call the ISP and check the router.', {
      ...outage,
      priority: 'low',
    });
    expect(categories(unstated)).not.toContain('wrong_priority');
  });
});

describe('follow_up (rubric: owner and time, or nothing remains)', () => {
  it('n/a when a fault is fixed, confirmed, and nothing could remain open', () => {
    expect(result(grade(ticket()), 'follow_up')).toBe('n/a');
  });

  it('met for an explicit "nothing remains" and for a check-in with an owner or a time', () => {
    const none = ticket({
      comments: [
        ...ticket().comments.slice(0, 2),
        agent('Follow-up: none.'),
        customer('Works now!'),
      ],
    });
    expect(result(grade(none), 'follow_up')).toBe('met');
    const checkIn = ticket({
      comments: [
        ...ticket().comments,
        agent('I will check in with Sarah on Friday to make sure it has not dropped again.'),
      ],
    });
    expect(result(grade(checkIn), 'follow_up')).toBe('met');
    const tracked = ticket({
      comments: [...ticket().comments, agent('Raised problem ticket #8812 for the DHCP scope.')],
    });
    expect(result(grade(tracked), 'follow_up')).toBe('met');
  });

  it('partial for a vague plan, missing for a workaround with no plan', () => {
    const vague = ticket({
      comments: [...ticket().comments, agent('Will monitor.')],
    });
    expect(result(grade(vague), 'follow_up')).toBe('partial');
    const workaround = ticket({
      comments: [
        agent('Mapped the user to PRN-03 as a workaround; PRN-02 fuser still faulty.'),
        customer('Thanks, printing to PRN-03 works.'),
      ],
    });
    expect(result(grade(workaround), 'follow_up')).toBe('missing');
  });

  it('missing when a pending ticket says nothing about what happens next', () => {
    const v = grade(
      ticket({ status: 'pending', comments: [agent('Asked Sarah for a photo.', true)] }),
    );
    expect(result(v, 'follow_up')).toBe('missing');
    expect(result(v, 'resolution_verified')).toBe('n/a');
  });
});

describe('root_cause', () => {
  const fault = (body: string) =>
    ticket({ comments: [agent(body), customer('Works now, thanks!')] });

  it('met for a labelled or stated cause, partial for a guess', () => {
    expect(
      result(
        grade(fault('Work: re-added the port.\nCause: the IP changed after a DHCP renewal.')),
        'root_cause',
      ),
    ).toBe('met');
    expect(
      result(
        grade(fault('Re-added the port; the issue was caused by a DHCP lease renewal.')),
        'root_cause',
      ),
    ).toBe('met');
    expect(
      result(grade(fault('Re-added the port. Probably caused by a Windows update.')), 'root_cause'),
    ).toBe('partial');
  });

  it('an honest "cause not determined" is met with what was checked, partial without', () => {
    expect(
      result(
        grade(
          fault(
            'Cause not determined; checked the event logs and the driver version, cleared the queue.',
          ),
        ),
        'root_cause',
      ),
    ).toBe('met');
    expect(result(grade(fault('Cause: unknown.')), 'root_cause')).toBe('partial');
  });

  it('missing after a reboot with no cause (and follow_up treats it as a workaround)', () => {
    const v = grade(fault('Rebooted the printer, working now.'));
    expect(result(v, 'root_cause')).toBe('missing');
    expect(result(v, 'follow_up')).toBe('missing');
    expect(v.patterns).toContain('reboot_no_root_cause');
  });

  it('n/a for service requests: a new starter, a routine forgotten password', () => {
    const starter = grade(
      ticket({
        subject: 'New starter Monday',
        description:
          'Maria Lopez (HR) requests an account for Tom Reid starting 3 Nov, E3 licence, same groups as Jen Park.',
        category: 'Onboarding and offboarding',
        priority: 'low',
      }),
    );
    expect(result(starter, 'root_cause')).toBe('n/a');
    const forgot = grade(
      ticket({
        subject: 'Forgot password',
        description: 'Sarah Ng forgot her password and is locked out of her laptop.',
        category: 'Account access',
      }),
    );
    expect(result(forgot, 'root_cause')).toBe('n/a');
  });
});

describe('resolution_verified', () => {
  const closed = (...comments: unknown[]) => grade(ticket({ comments }));

  it('met on customer confirmation, on a thanks after the "done" message, or on a user-side test', () => {
    expect(
      result(
        closed(agent('Fixed the port.'), customer('Yes, printing fine now.')),
        'resolution_verified',
      ),
    ).toBe('met');
    expect(
      result(
        closed(
          agent('Hi Sarah, your printer is set up again.', true),
          customer('Great, thank you!'),
        ),
        'resolution_verified',
      ),
    ).toBe('met');
    expect(
      result(
        closed(agent('Re-added the port; Sarah confirmed she can print.')),
        'resolution_verified',
      ),
    ).toBe('met');
  });

  it('partial when tested from the MSP side only; missing when the customer says it still fails', () => {
    expect(
      result(
        closed(agent('Re-added the port; should be working now, let us know if not.', true)),
        'resolution_verified',
      ),
    ).toBe('partial');
    expect(
      result(
        closed(agent('Re-added the port.', true), customer('Still not printing, same error.')),
        'resolution_verified',
      ),
    ).toBe('missing');
  });

  it('the no-response rule: met with the final notice, partial without', () => {
    const tried = agent('Third attempt, no response from Sarah.');
    expect(
      result(
        closed(
          tried,
          agent(
            'Hi Sarah, as we have not heard back we will close this ticket; just reply to reopen it.',
            true,
          ),
        ),
        'resolution_verified',
      ),
    ).toBe('met');
    expect(result(closed(tried), 'resolution_verified')).toBe('partial');
  });
});

describe('customer_communication and problem_statement', () => {
  it('missing with no public reply, or when the closing question was never answered', () => {
    expect(
      result(grade(ticket({ comments: [agent('Fixed the port.')] })), 'customer_communication'),
    ).toBe('missing');
    const unanswered = ticket({
      comments: [
        ...ticket().comments.slice(0, 3),
        customer('Thanks. Do I need to do anything on my laptop?'),
      ],
    });
    expect(result(grade(unanswered), 'customer_communication')).toBe('missing');
  });

  it('partial when the customer had to chase, or a pending ticket does not say what it waits for', () => {
    const chased = ticket({ comments: [customer('Any update on this?', 2), ...ticket().comments] });
    expect(result(grade(chased), 'customer_communication')).toBe('partial');
    const pending = ticket({
      status: 'pending',
      comments: [agent('Hi Sarah, looking at this now.', true)],
    });
    expect(result(grade(pending), 'customer_communication')).toBe('partial');
  });

  it('a vague phrase is missing, a symptom without user or asset partial, a full statement met', () => {
    const statement = (subject: string, description: string, requester?: unknown) =>
      result(grade(ticket({ subject, description, requester })), 'problem_statement');
    expect(statement('PC slow', 'PC slow')).toBe('missing');
    expect(statement('Printer', 'printer not working, 2nd floor', undefined)).toBe('partial');
    expect(statement('Cannot print to PRN-02', ticket().description)).toBe('met');
  });
});

describe('escalations (escalation.md)', () => {
  it('data_loss is not raised when the files were recovered', () => {
    const v = grade(
      ticket({
        description: 'Sarah Ng deleted the Q3 folder on the file server by mistake.',
        comments: [
          agent('Restored the Q3 folder from the recycle bin; Sarah confirmed the files open.'),
        ],
      }),
    );
    expect(v.escalations.map((e) => e.rule)).not.toContain('data_loss');
  });

  it('a VIP ticket handled well is not escalated; a VIP complaint is', () => {
    const vip = { tags: ['vip'] };
    expect(grade(ticket(vip)).escalations).toEqual([]);
    const complaint = grade(
      ticket({
        ...vip,
        comments: [
          ...ticket().comments,
          customer('This is unacceptable, second day without printing.'),
        ],
      }),
    );
    expect(complaint.escalations.map((e) => e.rule)).toContain('vip_or_sla_breach');
  });

  it('an SLA breach from the timestamps only when it holds in business hours', () => {
    // Friday 17:00 → Monday 09:00 is 2 business hours.
    const fri = Date.parse('2026-10-09T17:00:00Z');
    expect(businessMinutes(fri, Date.parse('2026-10-12T09:00:00Z'))).toBe(120);
    const late = grade(
      ticket({
        createdAt: '2026-10-05T09:00:00Z',
        comments: [
          {
            ...agent('Hi Sarah, sorry for the wait, looking now.', true),
            at: '2026-10-08T10:00:00Z',
          },
          ...ticket().comments.slice(1),
        ],
      }),
    );
    expect(late.escalations.map((e) => e.rule)).toContain('vip_or_sla_breach');
    expect(grade(ticket()).escalations).toEqual([]);
  });
});
