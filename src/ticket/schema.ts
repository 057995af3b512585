import { z } from 'zod';

/**
 * The canonical ticket every source adapter maps to. The help desk's own
 * `status` lives here; our pipeline state (`qc_status`) lives only in the DB.
 */

const isoTime = z.iso.datetime({ offset: true });

export const Person = z.object({
  name: z.string().max(200).optional(),
  email: z.string().max(320).optional(),
  id: z.string().max(200).optional(),
});
export type Person = z.infer<typeof Person>;

export const COMMENT_ROLES = ['customer', 'agent', 'system'] as const;
export const TRIAGE_KINDS = ['agent', 'person'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
/** What a ticket's `source` may be made of. */
export const SOURCE_PATTERN = /^[a-z0-9_-]+$/;

export const Comment = z.object({
  /** A display name, or "unknown" when the source gave only an id (then in `authorId`). */
  author: z.string().max(200),
  authorId: z.string().max(200).optional(),
  role: z.enum(COMMENT_ROLES),
  public: z.boolean(),
  body: z.string().max(100_000),
  at: isoTime,
});
export type Comment = z.infer<typeof Comment>;

export const TimeEntry = z.object({
  minutes: z.number().int().min(0).max(100_000),
  note: z.string().max(10_000).default(''),
  author: z.string().max(200).optional(),
  at: isoTime.optional(),
});
export type TimeEntry = z.infer<typeof TimeEntry>;

const Triage = z.object({
  /** Who triaged: an agent id such as `triage`, or a person's name. */
  by: z.string().max(200),
  kind: z.enum(TRIAGE_KINDS).default('agent'),
  notes: z.string().max(20_000).default(''),
  at: isoTime.optional(),
});

export const TICKET_STATUSES = [
  'new',
  'open',
  'pending',
  'on_hold',
  'solved',
  'closed',
  'cancelled',
] as const;

export const Ticket = z.object({
  source: z.string().min(1).max(64).regex(SOURCE_PATTERN, 'lower-case letters, digits, - and _'),
  externalId: z.string().min(1).max(200),
  subject: z.string().max(1_000),
  description: z.string().max(100_000).default(''),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES).default('normal'),
  category: z.string().max(200).optional(),
  requester: Person.optional(),
  assignee: Person.optional(),
  /** The organisation's display name, or "unknown" when only its id is known. */
  organization: z.string().max(200).optional(),
  /** The source's id for the organisation, kept apart from its name. */
  organizationId: z.string().max(200).optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
  closedAt: isoTime.optional(),
  comments: z.array(Comment).max(2_000).default([]),
  timeEntries: z.array(TimeEntry).max(2_000).default([]),
  tags: z.array(z.string().max(200)).max(500).default([]),
  customFields: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .default({}),
  triage: Triage.optional(),
  /** True when the source could not provide the full comment thread. */
  threadIncomplete: z.boolean().default(false),
  /**
   * Fields the source did not send that ticket-qc filled in, and how
   * (e.g. `updatedAt: "time of receipt"`, `subject: "not sent"`), so neither
   * the grader nor a reader mistakes a filled value for the vendor's.
   */
  filled: z.record(z.string().max(64), z.string().max(200)).optional(),
});
export type Ticket = z.infer<typeof Ticket>;
export type TicketInput = z.input<typeof Ticket>;
