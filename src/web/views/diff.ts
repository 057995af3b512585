import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html as diffToHtml } from 'diff2html';
import { html, raw, type SafeHtml } from '../../format/html.js';

/**
 * Side-by-side diffs with diff2html, rendered on the server. diff2html
 * escapes the diff's lines itself; its stylesheet is inlined (read once) so
 * no static route is needed.
 */

let css: string | undefined;

export function diffHead(): SafeHtml {
  if (css === undefined) {
    const require = createRequire(import.meta.url);
    css = readFileSync(require.resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
  }
  // After diff2html's own rules: smaller type and less gutter, so ~75 columns fit a side on a laptop.
  return html`<style>${raw(css)}</style><style>.d2h-diff-table{font-size:12px}
    .d2h-code-side-line{padding:0 .5em 0 4.5em;width:calc(100% - 5em)}</style>`;
}

export function sideBySide(patch: string): SafeHtml {
  if (!patch.trim()) return html`<p class="muted">No changes.</p>`;
  return raw(
    diffToHtml(patch, { outputFormat: 'side-by-side', drawFileList: false, matching: 'lines' }),
  );
}
