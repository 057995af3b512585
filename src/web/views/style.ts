/**
 * The whole stylesheet, inlined in every page: no build step, no static
 * route to protect separately, and a page still reads well when saved.
 */
export const STYLE = `
:root { --bg:#f4f5f7; --card:#fff; --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb;
  --accent:#2f6fde; --good:#1f8a4c; --bad:#c0392b; --warn:#b7791f; --info:#2b6cb0; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { background:#1f2a37; color:#fff; }
header.top .topbar { max-width:1280px; margin:0 auto; display:flex; align-items:center; gap:22px; padding:0 24px; height:52px; }
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
svg.chart text { font-size:11px; fill:#616e7c; } .legend { display:flex; gap:14px; flex-wrap:wrap; font-size:13px; margin-top:6px; }
.legend i { display:inline-block; width:11px; height:11px; border-radius:3px; margin-right:5px; vertical-align:-1px; }
.login { max-width:380px; margin:80px auto; } .login input { width:100%; margin-bottom:12px; }
@media (max-width: 900px) { .g2, .g3, .wide-left { grid-template-columns: 1fr; } }
`;
