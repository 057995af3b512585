export { canonicalJson, contentHash, normalizeTicket, sha256Hex } from './hash.js';
export { clipMachineOutput, ticketForPrompt } from './hygiene.js';
export {
  Comment,
  Person,
  TICKET_STATUSES,
  Ticket,
  type TicketInput,
  TimeEntry,
  Triage,
} from './schema.js';
