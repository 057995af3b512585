import { Ticket } from '../../src/ticket/schema.js';

/**
 * A closed ticket whose technician names the cause in words the simulator's
 * keyword rules do not know ("… was the problem"), so `root_cause` is graded
 * missing — the kind of miss a team lead overrides.
 */
export function dockTicket(i: number): Ticket {
  const at = (min: number) => new Date(Date.UTC(2026, 10, 16, 9, min)).toISOString();
  return Ticket.parse({
    source: 'test',
    externalId: `RC-${i}`,
    subject: `Monitors not detected on dock, finance desk ${i}`,
    description: `Since this morning Jane Doe ${i} (Finance) cannot use her two monitors on the Dell WD19 dock with laptop FIN-LT-00${40 + i}; Windows shows "USB device not recognized".`,
    status: 'closed',
    priority: 'normal',
    requester: { name: `Jane Doe ${i}`, email: `jane${i}@example.com` },
    assignee: { name: 'Sam Tech' },
    createdAt: at(0),
    updatedAt: at(50),
    closedAt: at(50),
    comments: [
      {
        author: 'Sam Tech',
        role: 'agent',
        public: false,
        body: 'Checked the dock and the cables. The outdated dock firmware was the problem. Updated the WD19 firmware to 01.00.32 and reconnected both monitors.',
        at: at(20),
      },
      {
        author: 'Sam Tech',
        role: 'agent',
        public: true,
        body: 'Hi Jane, the dock firmware was out of date; I updated it and both monitors work again. Let me know if it happens again. Nothing else is outstanding.',
        at: at(30),
      },
      {
        author: `Jane Doe ${i}`,
        role: 'customer',
        public: true,
        body: 'Works now, thanks!',
        at: at(40),
      },
    ],
    timeEntries: [{ minutes: 30, note: 'Dock firmware update, monitor test with the user' }],
    tags: ['dock'],
  });
}

export const CAUSE_QUOTE = 'The outdated dock firmware was the problem.';
