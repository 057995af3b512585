import { usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';

/**
 * A stacked bar chart as inline SVG, drawn on the server: no script, prints
 * and screenshots as it looks, and every bar has a <title> tooltip.
 */

export const PALETTE = [
  '#2f6fde',
  '#f0a030',
  '#1f8a4c',
  '#c0392b',
  '#7b61c9',
  '#16a2b8',
  '#8d6e63',
  '#607d8b',
];

export interface ChartArgs {
  id: string;
  days: string[];
  series: { name: string; values: number[] }[];
  width?: number;
  height?: number;
}

/** 1, 2, 5 × 10^n: axis steps a person reads at a glance. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

export function stackedBars(a: ChartArgs): SafeHtml {
  const width = a.width ?? 560;
  const height = a.height ?? 250;
  const pad = { left: 62, right: 10, top: 12, bottom: 34 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const totals = a.days.map((_, i) => a.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(...totals, 0);
  if (max === 0)
    return html`<p class="muted" data-chart="${a.id}" data-empty="true">No model spend in this range.</p>`;
  const step = niceStep(max, 4);
  const top = Math.ceil(max / step) * step;
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const slot = plotW / a.days.length;
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  const labelEvery = Math.ceil(a.days.length / 12);

  const grid = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.push(html`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e7eb"/>
      <text x="${pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${usd(v)}</text>`);
  }
  const bars = a.days.map((day, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    let acc = 0;
    const parts = a.series.map((s, k) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return '';
      const y0 = y(acc);
      acc += v;
      const y1 = y(acc);
      return html`<rect class="seg" x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}" fill="${PALETTE[k % PALETTE.length] ?? '#999'}"><title>${day} · ${s.name}: ${usd(v)}</title></rect>`;
    });
    const label =
      i % labelEvery === 0
        ? html`<text x="${(x + barW / 2).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">${day.slice(5)}</text>`
        : '';
    return html`<g>${parts}${label}</g>`;
  });
  const legend = a.series.map(
    (s, k) =>
      html`<span><i style="background:${PALETTE[k % PALETTE.length] ?? '#999'}"></i>${s.name} · ${usd(s.values.reduce((x, v) => x + v, 0))}</span>`,
  );
  return html`<svg class="chart" data-chart="${a.id}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Cost per day">
    ${grid}<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(0)}" y2="${y(0)}" stroke="#9aa5b1"/>${bars}</svg>
    <div class="legend">${legend}</div>`;
}
