import { registerToolHandler, type ToolHandler } from './tools.js';
import { textsOf } from './wire.js';

/**
 * The pattern miner's tool, `record_patterns` (ticket-qc issue 11 point 6),
 * answered by keyword clustering of the request alone: the tickets between
 * <ticket id="…"> tags and the patterns.md between <patterns> tags in the
 * system prompt. Never from gold labels (the request carries none).
 *
 * 1. Each ticket's text (subject, description, comments, time notes) becomes
 *    a set of word pairs: adjacent words of 3+ letters, neither a stopword.
 * 2. A pair seen on at least 2 tickets, and on at most half of them when the
 *    chunk has 6 or more (boilerplate), is a candidate; most tickets first,
 *    then alphabetical, so the answer is deterministic.
 * 3. A candidate's tickets form a cluster, unless half of them are already in
 *    a chosen cluster: then the pair joins that cluster's symptoms.
 * 4. A cluster whose pair appears in a section of patterns.md is reported
 *    under that section's id (`existing: true`); otherwise its id is the pair
 *    (`sharepoint_sync`). The fix is the agent sentence with a fix verb that
 *    most of the cluster shares (else the first such sentence).
 */

const STOP = new Set(
  `the and for with that this from have has had was were are not but you your our can cannot
  will would could should been being into onto they them their there here what when where which
  who whom how why all any its it's also just now then than too very more most some such only
  again still after before about above below over under out off per via let know thanks thank
  please hi hello dear regards best team user users ticket tickets customer agent issue problem
  working works worked work today yesterday morning afternoon minutes min did does done get got`.split(
    /\s+/,
  ),
);
const FIX_VERB =
  /\b(fixed|resolved|solved|cleared|reset|updated|replaced|reinstalled|re-?installed|rebuilt|removed|restarted|re-?synced|reconnected|renewed|changed|enabled|disabled|configured|applied)\b/i;
const MAX_CLUSTERS = 8;

interface MinedTicket {
  id: string;
  text: string;
  agentTexts: string[];
}

function readTickets(text: string): MinedTicket[] {
  const out: MinedTicket[] = [];
  for (const m of text.matchAll(/<ticket id="([^"]+)">\n([\s\S]*?)\n<\/ticket>/g)) {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(m[2] ?? '{}') as Record<string, unknown>;
    } catch {
      continue;
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const list = (v: unknown) => (Array.isArray(v) ? v.map(str) : []);
    const comments = list(body.comments);
    const time = list(body.time);
    out.push({
      id: m[1] ?? '',
      text: [str(body.subject), str(body.description), ...comments, ...time].join('\n'),
      agentTexts: [
        ...comments.filter((c) => c.startsWith('agent:')).map((c) => c.slice(6).trim()),
        ...time.map((t) => t.replace(/^\d+ min:\s*/, '')),
      ],
    });
  }
  return out;
}

function pairsOf(text: string): Set<string> {
  const words = text.toLowerCase().match(/[a-z][a-z0-9'-]*/g) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + 1 < words.length; i++) {
    const a = words[i] ?? '';
    const b = words[i + 1] ?? '';
    if (a.length < 3 || b.length < 3 || STOP.has(a) || STOP.has(b) || a === b) continue;
    out.add(`${a} ${b}`);
  }
  return out;
}

/** patterns.md sections: id → lower-cased text. */
function knownSections(system: string): Map<string, string> {
  const md = /<patterns>\n([\s\S]*?)\n<\/patterns>/.exec(system)?.[1] ?? '';
  const out = new Map<string, string>();
  let id: string | undefined;
  for (const line of md.split('\n')) {
    const h = /^##\s+`([a-z][a-z0-9_]*)`/.exec(line);
    if (h?.[1]) id = h[1];
    else if (/^#{1,2}\s/.test(line)) id = undefined;
    if (id) out.set(id, `${out.get(id) ?? ''}\n${line.toLowerCase()}`);
  }
  return out;
}

function sentences(texts: string[]): string[] {
  return texts
    .flatMap((t) => t.split(/(?<=[.!?])\s+/))
    .map((s) => s.trim())
    .filter(Boolean);
}

function fixOf(tickets: MinedTicket[]): string {
  const counts = new Map<string, number>();
  for (const t of tickets)
    for (const s of new Set(sentences(t.agentTexts).filter((x) => FIX_VERB.test(x))))
      counts.set(s, (counts.get(s) ?? 0) + 1);
  const best = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  return best ?? 'No fix was recorded on these tickets.';
}

export function minePatterns(text: string, system: string) {
  const tickets = readTickets(text);
  const pairs = tickets.map((t) => pairsOf(t.text));
  const df = new Map<string, number[]>();
  pairs.forEach((set, i) => {
    for (const p of set) df.set(p, [...(df.get(p) ?? []), i]);
  });
  const maxDf = tickets.length >= 6 ? Math.floor(tickets.length / 2) : tickets.length;
  const candidates = [...df]
    .filter(([, ix]) => ix.length >= 2 && ix.length <= maxDf)
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  const clusters: Array<{ pair: string; members: number[]; symptoms: string[] }> = [];
  for (const [pair, members] of candidates) {
    const home = clusters.find(
      (c) => members.filter((m) => c.members.includes(m)).length * 2 >= members.length,
    );
    if (home) {
      if (home.symptoms.length < 4 && members.every((m) => home.members.includes(m)))
        home.symptoms.push(pair);
      continue;
    }
    if (clusters.length < MAX_CLUSTERS) clusters.push({ pair, members, symptoms: [pair] });
  }
  const known = knownSections(system);
  return {
    patterns: clusters.map((c) => {
      const members = c.members.map((i) => tickets[i] as MinedTicket);
      const existing = [...known].find(([, body]) => c.symptoms.some((s) => body.includes(s)))?.[0];
      const id = existing ?? c.pair.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
      return {
        id,
        existing: existing !== undefined,
        title: `Recurring: ${c.pair}`,
        description: `${members.length} tickets in this chunk share "${c.pair}": the same problem came back, and each ticket was worked from scratch.`,
        symptoms: c.symptoms,
        fix: fixOf(members),
        related_criteria: [],
        tickets: members.map((t) => t.id),
      };
    }),
  };
}

export const recordPatternsHandler: ToolHandler = (ctx) =>
  minePatterns(
    ctx.request.messages
      .filter((m) => m.role === 'user')
      .flatMap((m) => textsOf(m.content))
      .join('\n'),
    ctx.system,
  );

registerToolHandler('record_patterns', recordPatternsHandler);
