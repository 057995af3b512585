/**
 * The whole stylesheet, inlined in every page: no build step, no static
 * route to protect separately, and a page still reads well when saved.
 */
export const STYLE = `
:root { --bg:#f4f5f7; --card:#fff; --ink:#1f2933; --muted:#52606d; --line:#e4e7eb;
  --accent:#2459c2; --good:#146c3a; --bad:#a32d21; --warn:#8a5300; --info:#1e5594; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { background:#1f2a37; color:#fff; }
header.top .topbar { max-width:1280px; margin:0 auto; display:flex; align-items:center; gap:14px 22px; padding:8px 24px; min-height:52px; flex-wrap:wrap; }
header.top .brand { font-weight:700; letter-spacing:.2px; color:#fff; margin-right:8px; }
header.top nav { display:flex; gap:4px; flex:1; flex-wrap:wrap; }
header.top nav a { color:#cbd2d9; padding:6px 10px; border-radius:6px; font-size:14px; }
header.top nav a.on, header.top nav a:hover { background:#323f4b; color:#fff; text-decoration:none; }
header.top .who { font-size:13px; color:#cbd2d9; display:flex; gap:10px; align-items:center; }
header.top .who button { background:none; border:1px solid #52606d; color:#e4e7eb; padding:3px 10px; }
main { max-width:1280px; margin:0 auto; padding:22px 24px 60px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:17px; margin:0 0 12px; }
h3 { font-size:14px; margin:14px 0 6px; color:var(--muted); text-transform:uppercase; letter-spacing:.4px; }
.sub { color:var(--muted); margin:0 0 18px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 20px; margin-bottom:18px; }
.grid { display:grid; gap:18px; } .g2 { grid-template-columns: repeat(2, minmax(0,1fr)); }
.wide-left { grid-template-columns: minmax(0,3fr) minmax(0,2fr); }
.g3 { grid-template-columns: repeat(3, minmax(0,1fr)); }
.tiles { display:grid; grid-template-columns: repeat(auto-fit, minmax(140px,1fr)); gap:12px; margin-bottom:18px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.tile .k { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.4px; }
.tile .v { font-size:22px; font-weight:650; margin-top:2px; } .tile .n { font-size:12px; color:var(--muted); }
table { width:100%; border-collapse:collapse; font-size:14px; }
th { text-align:left; font-size:12px; text-transform:uppercase; letter-spacing:.4px; color:var(--muted);
  font-weight:600; border-bottom:1px solid var(--line); padding:8px 10px; }
td { border-bottom:1px solid var(--line); padding:8px 10px; vertical-align:top; }
tr:last-child td { border-bottom:none; } td code { white-space:nowrap; } tbody tr:hover { background:#f8fafc; }
table.kv { max-width:720px; } table.kv th { text-transform:none; letter-spacing:0; font-size:14px; color:var(--ink); font-weight:500; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
.badge { display:inline-block; padding:1px 9px; border-radius:999px; font-size:12px; font-weight:600;
  background:#e4e7eb; color:#3e4c59; white-space:nowrap; }
.badge.good { background:#e3f9e5; color:var(--good); } .badge.bad { background:#fde8e6; color:var(--bad); }
.badge.warn { background:#fff3d6; color:var(--warn); } .badge.info { background:#e6f0ff; color:var(--info); }
form.inline { display:inline; }
.filters { display:flex; gap:10px; align-items:end; flex-wrap:wrap; margin-bottom:14px; }
label { display:block; font-size:13px; color:var(--muted); margin-bottom:3px; }
input[type=text], input[type=password], input[type=date], select, textarea { font:inherit; font-size:14px;
  padding:7px 9px; border:1px solid #cbd2d9; border-radius:7px; background:#fff; color:var(--ink); }
textarea { width:100%; min-height:70px; }
button, .button { font:inherit; font-size:14px; padding:7px 14px; border-radius:7px; border:1px solid var(--accent);
  background:var(--accent); color:#fff; cursor:pointer; display:inline-block; }
button.secondary { background:#fff; color:var(--accent); } button.danger { background:var(--bad); border-color:var(--bad); }
button.good { background:var(--good); border-color:var(--good); }
.actions { display:flex; gap:10px; flex-wrap:wrap; align-items:flex-start; }
.flash { padding:10px 14px; border-radius:8px; margin-bottom:16px; background:#e3f9e5; color:#145a32; border:1px solid #b7e4c7; }
.flash.error { background:#fde8e6; color:#7b241c; border-color:#f5b7b1; }
.quote { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:13px; background:#f8fafc;
  border-left:3px solid #cbd2d9; padding:2px 8px; display:block; white-space:pre-wrap; }
.muted { color:var(--muted); } .small { font-size:13px; } .nowrap { white-space:nowrap; }
.verdict { font-size:20px; font-weight:700; padding:12px 16px; border-radius:10px; margin-bottom:10px; }
.verdict.good { background:#e3f9e5; color:var(--good); } .verdict.bad { background:#fde8e6; color:var(--bad); }
.verdict.warn { background:#fff3d6; color:var(--warn); }
.comments .c { border-left:3px solid var(--line); padding:4px 10px; margin:8px 0; }
.comments .c.internal { border-left-color:#f0b429; background:#fffbea; }
.bar { height:8px; background:#e4e7eb; border-radius:4px; overflow:hidden; min-width:80px; }
.bar span { display:block; height:100%; background:var(--accent); }
.bar.over span { background:var(--bad); } .bar.near span { background:var(--warn); }
svg.chart text { font-size:11px; fill:#52606d; } .legend { display:flex; gap:14px; flex-wrap:wrap; font-size:13px; margin-top:6px; }
.legend i { display:inline-block; width:11px; height:11px; border-radius:3px; margin-right:5px; vertical-align:-1px; }
.login { max-width:380px; margin:80px auto; } .login input { width:100%; margin-bottom:12px; }
@media (max-width: 900px) { .g2, .g3, .wide-left { grid-template-columns: 1fr; } }
/* Issue 16: keyboard, phone, readable diffs. */
.skip { position:absolute; left:8px; top:-60px; background:#fff; color:var(--accent); padding:8px 12px; border-radius:6px; z-index:10; }
.skip:focus { top:8px; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline:3px solid #f0b429; outline-offset:2px; }
.menu-button { display:none; background:none; border:1px solid #52606d; color:#fff; padding:4px 12px; }
img, svg, video { max-width:100%; }
main { overflow-wrap:anywhere; }
main p a, main li a, .sub a { text-decoration:underline; }
.pager { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin-top:12px; }
.attention .tile .v a { color:inherit; }
.overturned { border:2px solid var(--bad); }
.error-text { color:var(--bad); font-weight:600; }
table.diff { table-layout:fixed; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12.5px; }
table.diff td { padding:1px 6px; border:none; white-space:pre-wrap; word-break:break-word; overflow-wrap:anywhere; }
table.diff td.ln { width:3.2em; color:var(--muted); text-align:right; user-select:none; }
table.diff td.sign { width:1.4em; color:var(--muted); }
table.diff tr.hunk td { background:#eef2f7; color:var(--muted); }
table.diff .add { background:#e6f6ea; } table.diff .del { background:#fcebea; }
table.diff ins { background:#a6e3b5; text-decoration:none; } table.diff del { background:#f5b5ae; text-decoration:none; }
.diff-split { display:table; } .diff-unified { display:none; }
.diff-wrap.pure .diff-split { display:none; } .diff-wrap.pure .diff-unified { display:table; }
.beside { display:grid; grid-template-columns: minmax(0,3fr) minmax(0,2fr); gap:18px; align-items:start; }
@media (max-width: 1000px) {
  .diff-split { display:none; } .diff-unified { display:table; }
  .beside { grid-template-columns: 1fr; }
}
@media (max-width: 760px) {
  header.top .topbar { padding:8px 14px; }
  .menu-button { display:inline-block; margin-left:auto; }
  html.js header.top nav { display:none; flex-basis:100%; flex-direction:column; }
  html.js header.top nav.open { display:flex; }
  header.top .who { flex-basis:100%; justify-content:space-between; }
  main { padding:14px 12px 40px; }
  .card { padding:14px 12px; }
  .filters > div { flex:1 1 100%; } .filters select, .filters input[type=text] { width:100%; }
  main table:not(.diff) thead { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  main table:not(.diff), main table:not(.diff) tbody, main table:not(.diff) tr, main table:not(.diff) td, main table:not(.diff) th { display:block; width:100% !important; }
  main table:not(.diff) tr { border-bottom:1px solid var(--line); padding:6px 0; }
  main table:not(.diff) td { border:none; padding:3px 4px; text-align:left; white-space:normal; }
  main table:not(.diff) td[data-label]::before { content:attr(data-label) ": "; font-size:12px; color:var(--muted); font-weight:600; }
  main table:not(.diff) td.num { text-align:left; }
  td code { white-space:normal; }
  .tiles { grid-template-columns: repeat(2, minmax(0,1fr)); }
  .verdict { font-size:17px; }
}
`;
