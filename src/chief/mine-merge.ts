import type { HistoryTicket } from '../db/patterns.js';
import type { Mined } from './mine-prompt.js';

/**
 * Merging what the miner reported chunk by chunk into patterns, and writing
 * them into patterns.md in the file's own format (`## \`id\` — Title`,
 * `Seen in:`, `Signals:`, …). A problem is kept when it was seen on at least
 * `minTickets` distinct tickets; a known id becomes an edit of its section
 * (the tickets it was seen in, new symptoms), a new id a new section.
 */

export interface MergedPattern {
  id: string;
  existing: boolean;
  title: string;
  description: string;
  symptoms: string[];
  fix: string;
  relatedCriteria: string[];
  /** Distinct tickets, by how they were cited. */
  tickets: Array<{ cite: string; ticket: HistoryTicket }>;
}

export function mergeChunks(
  chunks: Array<{ mined: Mined[]; cites: Map<string, HistoryTicket> }>,
  opts: {
    knownIds: readonly string[];
    criteria: readonly string[];
    minTickets: number;
    max: number;
    /** Tickets (source + ' ' + external id) an earlier proposal already cited: not evidence again. */
    covered?: ReadonlySet<string>;
  },
): MergedPattern[] {
  const byId = new Map<string, MergedPattern>();
  for (const { mined, cites } of chunks) {
    for (const m of mined) {
      const tickets = m.tickets.flatMap((c) => {
        const t = cites.get(c);
        // An id the chunk never held is dropped, and so is a ticket an earlier proposal cited.
        if (!t || opts.covered?.has(`${t.source} ${t.externalId}`)) return [];
        return [{ cite: c, ticket: t }];
      });
      const p = byId.get(m.id) ?? {
        id: m.id,
        existing: opts.knownIds.includes(m.id),
        title: m.title.replace(/\s+/g, ' ').trim(),
        description: m.description.replace(/\s+/g, ' ').trim(),
        symptoms: [],
        fix: m.fix.replace(/\s+/g, ' ').trim(),
        relatedCriteria: [],
        tickets: [],
      };
      for (const s of m.symptoms) {
        const clean = s.replace(/\s+/g, ' ').replace(/"/g, "'").trim();
        if (clean && !p.symptoms.includes(clean) && p.symptoms.length < 6) p.symptoms.push(clean);
      }
      for (const c of m.related_criteria)
        if (opts.criteria.includes(c) && !p.relatedCriteria.includes(c)) p.relatedCriteria.push(c);
      for (const t of tickets)
        if (!p.tickets.some((x) => x.ticket.id === t.ticket.id)) p.tickets.push(t);
      byId.set(m.id, p);
    }
  }
  return [...byId.values()]
    .filter((p) => p.tickets.length >= opts.minTickets)
    .sort((a, b) => b.tickets.length - a.tickets.length || a.id.localeCompare(b.id))
    .slice(0, opts.max);
}

const MAX_CITED = 12;

function citedLine(p: MergedPattern): string {
  const ids = p.tickets.map((t) => t.cite);
  const more = ids.length > MAX_CITED ? ` and ${ids.length - MAX_CITED} more` : '';
  return `Mined from tickets: ${ids.slice(0, MAX_CITED).join(', ')}${more}`;
}

function newSection(p: MergedPattern, scanned: number, date: string): string {
  return [
    `## \`${p.id}\` — ${p.title}`,
    `Seen in: ${p.tickets.length} of ${scanned} tickets mined on ${date}`,
    `Signals: ${p.symptoms.map((s) => `"${s}"`).join(', ')}.`,
    `Why it matters: ${p.description}`,
    `Fix that worked: ${p.fix}`,
    'Grader: list this pattern only when its signals are present; expect the fix above, or a recorded reason why it did not apply.',
    citedLine(p),
    ...(p.relatedCriteria.length
      ? [`Related criteria: ${p.relatedCriteria.map((c) => `\`${c}\``).join(', ')}`]
      : []),
    '',
  ].join('\n');
}

/** Adds the cited tickets and any new symptoms to a known pattern's section. */
function editSection(content: string, p: MergedPattern): string {
  const lines = content.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## \`${p.id}\``));
  if (start < 0) return content;
  let end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  if (end < 0) end = lines.length;
  while (end > start + 1 && lines[end - 1]?.trim() === '') end--;
  const section = lines.slice(start, end).filter((l) => !l.startsWith('Mined from tickets:'));
  const text = section.join('\n').toLowerCase();
  const fresh = p.symptoms.filter((s) => !text.includes(s.toLowerCase()));
  if (fresh.length) section.push(`Also seen as: ${fresh.map((s) => `"${s}"`).join(', ')}.`);
  section.push(citedLine(p));
  return [...lines.slice(0, start), ...section, ...lines.slice(end)].join('\n');
}

export function revisePatternsFile(
  base: string,
  patterns: MergedPattern[],
  scanned: number,
  date: string,
): string {
  let content = base;
  for (const p of patterns.filter((x) => x.existing)) content = editSection(content, p);
  const added = patterns.filter((x) => !x.existing).map((p) => newSection(p, scanned, date));
  if (added.length) content = `${content.trimEnd()}\n\n${added.join('\n')}`;
  return `${content.trimEnd()}\n`;
}
