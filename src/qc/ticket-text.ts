import { ticketForPrompt } from '../ticket/hygiene.js';
import type { Ticket } from '../ticket/schema.js';
import { truncateTicket } from '../ticket/truncate.js';

/**
 * The ticket as every QC call sends it (the verdict call, its repair turn and
 * the strong model's second opinion): one serializer, so both graders see
 * the same data. Machine output (stack dumps, logs, base64) is clipped
 * (src/ticket/hygiene.ts); oversize tickets keep their start and end
 * (src/ticket/truncate.ts); the source block is left out.
 *
 * The ticket is data: compact JSON (indentation cost ~20 % of the ticket's
 * tokens and told the model nothing) with `<` escaped, so text inside it
 * cannot close the delimiter or pose as instructions.
 */
export function ticketJson(ticket: Ticket): string {
  // The verdict call, its repair, a tier-up and a second opinion send the same ticket: built once.
  let json = built.get(ticket);
  if (json === undefined) {
    const { source: _source, ...whole } = ticketForPrompt(ticket);
    const rest = truncateTicket(whole).ticket;
    json = JSON.stringify(rest).replace(/</g, '\\u003c');
    built.set(ticket, json);
  }
  return json;
}
const built = new WeakMap<Ticket, string>();

/** The ticket between its delimiters, as the context files describe it. */
export function ticketBlock(ticket: Ticket): string {
  return `<ticket>\n${ticketJson(ticket)}\n</ticket>`;
}
