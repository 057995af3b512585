/**
 * A tiny HTML template helper: every interpolated value is escaped unless it
 * is already SafeHtml (built by `html` itself or wrapped with `raw`). That one
 * rule is what keeps ticket text — untrusted, possibly hostile — inert.
 */

const SAFE: unique symbol = Symbol('safe-html');

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
}

export type Part = SafeHtml | string | number | bigint | boolean | null | undefined | Part[];

export function raw(value: string): SafeHtml {
  return { [SAFE]: true, value };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function isSafe(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && SAFE in v;
}

function render(v: Part): string {
  // false/null/undefined render nothing, so `${cond && html`…`}` reads naturally.
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isSafe(v)) return v.value;
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return raw(out);
}

export function toHtmlString(v: Part): string {
  return render(v);
}
