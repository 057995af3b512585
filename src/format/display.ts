import { html, type SafeHtml } from './html.js';

/** Display helpers shared by the pages and the CLI: one way to show money and time. */

export function usd(n: number): string {
  if (n === 0) return '$0.00';
  const abs = Math.abs(n);
  // Single calls cost fractions of a cent; show enough digits to tell them apart.
  const digits = abs >= 100 ? 2 : abs >= 1 ? 3 : abs >= 0.01 ? 4 : 6;
  return `$${n.toFixed(digits)}`;
}

export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(100 * x).toFixed(digits)}%`;
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function dateTime(d: Date | string | null | undefined): string {
  if (!d) return '—';
  const x = typeof d === 'string' ? new Date(d) : d;
  return `${x.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "3 h ago", "2 d ago": how long something has waited is what a lead triages by. */
export function age(d: Date | string, now: Date = new Date()): string {
  const x = typeof d === 'string' ? new Date(d) : d;
  const mins = Math.max(0, Math.round((now.getTime() - x.getTime()) / 60_000));
  if (mins < 60) return `${mins} min`;
  const hours = Math.round(mins / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

export type Tone = 'good' | 'bad' | 'warn' | 'info' | 'muted';

const TONES: Record<string, Tone> = {
  pass: 'good',
  met: 'good',
  resolved: 'good',
  approved: 'good',
  fixed: 'good',
  works: 'good',
  fail: 'bad',
  missing: 'bad',
  rejected: 'bad',
  regressed: 'bad',
  refused: 'bad',
  'does not work': 'bad',
  escalate: 'warn',
  partial: 'warn',
  open: 'warn',
  pending: 'warn',
  inconclusive: 'warn',
  acknowledged: 'info',
  admin: 'info',
};

export function badge(text: string, tone?: Tone): SafeHtml {
  return html`<span class="badge ${tone ?? TONES[text] ?? 'muted'}">${text}</span>`;
}

/**
 * Text safe to print on a lead's terminal. Ticket text is attacker-controlled:
 * an ESC or C1 sequence in a subject could retitle the window, rewrite the
 * clipboard (OSC 52) or hide lines, so control characters are made visible.
 * Newlines stay only where the caller allows them.
 */
export function printable(text: string, keepNewlines = false): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    keepNewlines && c === '\n' ? c : c === '\t' || c === '\n' || c === '\r' ? ' ' : '\ufffd',
  );
}

/** Plain-text table for the CLI: right-aligns columns that hold numbers or money. */
export function textTable(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map((c) => printable(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) =>
    rows.every((r) => /^[-$\d.,%]*$/.test(r[i] ?? '') || (r[i] ?? '') === '—'),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
