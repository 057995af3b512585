import type { Ticket } from './schema.js';

/**
 * Prompt hygiene for vendor noise. Help desks carry machine output that a
 * grader learns nothing from and pays for by the token: a 3 KB Java stack
 * dump in a custom field, pasted logs, base64 attachments inlined in a
 * comment. The rule (documented in docs/integrations.md, "Long machine
 * output"):
 *
 * 1. A run of more than MAX_RUN_LINES consecutive machine lines (stack frames,
 *    timestamped or levelled log lines) keeps its first KEEP_HEAD and last
 *    KEEP_TAIL lines; the middle becomes one line saying how many were cut.
 * 2. A token of more than MAX_TOKEN characters without whitespace (base64,
 *    hex dumps, minified blobs) keeps its first 64 and last 16 characters.
 * 3. A custom field still longer than MAX_TEXT characters keeps its first
 *    two thirds and last third of MAX_TEXT, saying how much was cut.
 *
 * Prose is never touched by rules 1 and 2; the start and the end (where the
 * exception type and the "Caused by" usually are) always stay. The ticket's
 * own story (description, comments, time notes) is never capped here: a
 * ticket too long as a whole is cut by src/ticket/truncate.ts, which keeps
 * start and end and marks the ticket `truncated` so the verdict says so.
 */

export const MAX_RUN_LINES = 12;
export const KEEP_HEAD = 6;
export const KEEP_TAIL = 3;
const MAX_TOKEN = 200;
const MAX_TEXT = 4_000;

const MACHINE_LINE = new RegExp(
  [
    String.raw`^\s+at\s+\S+`, // Java / JS / .NET frames
    String.raw`^\s*File ".*", line \d+`, // Python frames
    String.raw`^\s*(Caused by:|Suppressed:|\.\.\. \d+ more)`,
    String.raw`^\s*#\d+\s+\S`, // PHP / gdb frames
    String.raw`^\s*\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}`, // timestamped log lines
    String.raw`^\s*\[?(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\]?[\s:]`,
    String.raw`^\s*[\w.$]+(Exception|Error)(:|$)`,
  ].join('|'),
);

const LONG_TOKEN = new RegExp(String.raw`[A-Za-z0-9+/=_\-]{${MAX_TOKEN + 1},}`, 'g');

function clipRuns(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!MACHINE_LINE.test(lines[i] ?? '')) {
      out.push(lines[i] ?? '');
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && MACHINE_LINE.test(lines[j] ?? '')) j++;
    const run = lines.slice(i, j);
    if (run.length > MAX_RUN_LINES) {
      const cut = run.length - KEEP_HEAD - KEEP_TAIL;
      out.push(
        ...run.slice(0, KEEP_HEAD),
        `[… ${cut} lines of machine output cut by ticket-qc …]`,
        ...run.slice(-KEEP_TAIL),
      );
    } else out.push(...run);
    i = j;
  }
  return out.join('\n');
}

/** One text with machine output clipped by the rule above; unchanged when there is none. */
export function clipMachineOutput(text: string, opts: { cap?: boolean } = {}): string {
  if (text.length <= 200) return text;
  let t = clipRuns(text).replace(
    LONG_TOKEN,
    (tok) =>
      `${tok.slice(0, 64)}[… ${tok.length - 80} characters of encoded data cut by ticket-qc …]${tok.slice(-16)}`,
  );
  if (opts.cap && t.length > MAX_TEXT) {
    const head = Math.floor((MAX_TEXT * 2) / 3);
    const tail = MAX_TEXT - head;
    t = `${t.slice(0, head)}\n[… ${t.length - head - tail} characters cut by ticket-qc …]\n${t.slice(-tail)}`;
  }
  return t;
}

/** The ticket as the grader sees it: every free text clipped by the rule above. */
export function ticketForPrompt(t: Ticket): Ticket {
  const customFields: Ticket['customFields'] = {};
  for (const [k, v] of Object.entries(t.customFields))
    customFields[k] = typeof v === 'string' ? clipMachineOutput(v, { cap: true }) : v;
  return {
    ...t,
    description: clipMachineOutput(t.description),
    comments: t.comments.map((c) => ({ ...c, body: clipMachineOutput(c.body) })),
    timeEntries: t.timeEntries.map((e) => ({ ...e, note: clipMachineOutput(e.note) })),
    customFields,
  };
}
