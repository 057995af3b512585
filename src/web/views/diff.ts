import { diffWordsWithSpace } from 'diff';
import { html, type SafeHtml } from '../../format/html.js';

/**
 * A unified diff as a lead reads it: lines wrap (nothing is cut at the pane's
 * edge), changed words are highlighted inside changed lines, and the view is
 * side by side on a wide screen, unified on a narrow one (CSS picks; both are
 * in the page). A diff that only adds or only removes is shown unified at any
 * width: half a table of empty cells says nothing. Every line of text goes
 * through `html`, so a context file cannot inject markup.
 */

type Row =
  | { kind: 'hunk'; text: string }
  | { kind: 'ctx'; a: number; b: number; text: string }
  | { kind: 'change'; del: { n: number; text: string }[]; add: { n: number; text: string }[] };

function parse(patch: string): Row[] {
  const rows: Row[] = [];
  let a = 0;
  let b = 0;
  let change: Extract<Row, { kind: 'change' }> | undefined;
  const flush = () => {
    if (change) rows.push(change);
    change = undefined;
  };
  for (const line of patch.split('\n')) {
    if (
      line.startsWith('---') ||
      line.startsWith('+++') ||
      line.startsWith('Index:') ||
      /^=+$/.test(line)
    )
      continue;
    const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(line);
    if (h) {
      flush();
      a = Number(h[1]);
      b = Number(h[2]);
      rows.push({ kind: 'hunk', text: line });
      continue;
    }
    if (line.startsWith('\\')) continue;
    const sign = line[0];
    const text = line.slice(1);
    if (sign === '-' || sign === '+') {
      change ??= { kind: 'change', del: [], add: [] };
      if (sign === '-') change.del.push({ n: a++, text });
      else change.add.push({ n: b++, text });
    } else if (sign === ' ') {
      flush();
      rows.push({ kind: 'ctx', a: a++, b: b++, text });
    }
  }
  flush();
  return rows;
}

/** The removed and the added line with the words that differ marked. */
function words(before: string, after: string): [SafeHtml, SafeHtml] {
  const parts = diffWordsWithSpace(before, after);
  return [
    html`${parts.filter((p) => !p.added).map((p) => (p.removed ? html`<del>${p.value}</del>` : p.value))}`,
    html`${parts.filter((p) => !p.removed).map((p) => (p.added ? html`<ins>${p.value}</ins>` : p.value))}`,
  ];
}

function pairs(c: Extract<Row, { kind: 'change' }>) {
  const n = Math.max(c.del.length, c.add.length);
  const out: { del?: { n: number; html: SafeHtml }; add?: { n: number; html: SafeHtml } }[] = [];
  for (let i = 0; i < n; i++) {
    const d = c.del[i];
    const a = c.add[i];
    const [dh, ah] =
      d && a ? words(d.text, a.text) : [html`${d?.text ?? ''}`, html`${a?.text ?? ''}`];
    out.push({
      ...(d ? { del: { n: d.n, html: dh } } : {}),
      ...(a ? { add: { n: a.n, html: ah } } : {}),
    });
  }
  return out;
}

function split(rows: Row[]): SafeHtml {
  const cols = html`<colgroup><col style="width:3.2em"><col><col style="width:3.2em"><col></colgroup>`;
  return html`<table class="diff diff-split" data-diff="split">${cols}<tbody>${rows.map((r) => {
    if (r.kind === 'hunk') return html`<tr class="hunk"><td colspan="4">${r.text}</td></tr>`;
    if (r.kind === 'ctx')
      return html`<tr><td class="ln">${r.a}</td><td>${r.text}</td><td class="ln">${r.b}</td><td>${r.text}</td></tr>`;
    return pairs(r).map(
      (
        p,
      ) => html`<tr><td class="ln ${p.del ? 'del' : ''}">${p.del?.n ?? ''}</td><td class="${p.del ? 'del' : ''}">${p.del?.html ?? ''}</td>
        <td class="ln ${p.add ? 'add' : ''}">${p.add?.n ?? ''}</td><td class="${p.add ? 'add' : ''}">${p.add?.html ?? ''}</td></tr>`,
    );
  })}</tbody></table>`;
}

function unified(rows: Row[]): SafeHtml {
  const cols = html`<colgroup><col style="width:3.2em"><col style="width:3.2em"><col style="width:1.4em"><col></colgroup>`;
  return html`<table class="diff diff-unified" data-diff="unified">${cols}<tbody>${rows.map((r) => {
    if (r.kind === 'hunk') return html`<tr class="hunk"><td colspan="4">${r.text}</td></tr>`;
    if (r.kind === 'ctx')
      return html`<tr><td class="ln">${r.a}</td><td class="ln">${r.b}</td><td class="sign"> </td><td>${r.text}</td></tr>`;
    const p = pairs(r);
    return html`${p.filter((x) => x.del).map((x) => html`<tr class="del"><td class="ln">${x.del?.n}</td><td class="ln"></td><td class="sign" aria-label="removed">−</td><td>${x.del?.html}</td></tr>`)}${p
      .filter((x) => x.add)
      .map(
        (x) =>
          html`<tr class="add"><td class="ln"></td><td class="ln">${x.add?.n}</td><td class="sign" aria-label="added">+</td><td>${x.add?.html}</td></tr>`,
      )}`;
  })}</tbody></table>`;
}

export function diffView(patch: string): SafeHtml {
  if (!patch.trim()) return html`<p class="muted">No changes.</p>`;
  const rows = parse(patch);
  const changes = rows.filter((r) => r.kind === 'change');
  const pure = changes.every((c) => c.del.length === 0) || changes.every((c) => c.add.length === 0);
  const added = changes.reduce((s, c) => s + c.add.length, 0);
  const removed = changes.reduce((s, c) => s + c.del.length, 0);
  return html`<p class="small muted">${added} line(s) added · ${removed} removed. Changed words are highlighted.</p>
    <div class="diff-wrap ${pure ? 'pure' : ''}">${split(rows)}${unified(rows)}</div>`;
}
