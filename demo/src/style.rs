//! The demo's one stylesheet, inlined into every page (the demo fetches nothing from elsewhere).
//! Below 700 px a phone layout: lists become stacked cards (each cell labelled with its
//! column), wide replies scroll inside their own box, the navigation is one row, and what a thumb
//! presses is at least 44 px tall.

/// The one stylesheet, inlined (the demo fetches nothing from elsewhere).
pub const STYLE: &str = "\
:root{--ink:#1f2328;--muted:#656d76;--line:#d0d7de;--soft:#f6f8fa;--brand:#0a7d4f;--bad:#b42318}\
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC',sans-serif;color:var(--ink);margin:0;background:#fff}\
header{background:var(--ink);color:#fff;padding:.6em 1.2em}header nav{display:flex;flex-wrap:wrap;gap:.3em 1.1em;max-width:72em;margin:auto;align-items:baseline}\
header a{color:#e6edf3;text-decoration:none}header a:hover{text-decoration:underline}header .brand{font-weight:700;color:#fff;margin-right:.6em}\
main{max-width:72em;margin:1.2em auto;padding:0 1.2em}h1{font-size:1.6em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.4em 0 .5em}\
a{color:#0969da}code{font-family:ui-monospace,monospace;font-size:.9em;background:var(--soft);padding:.05em .3em;border-radius:4px;overflow-wrap:anywhere}\
table{border-collapse:collapse;margin:.5em 0;max-width:100%}td,th{border-bottom:1px solid var(--line);padding:.35em .7em;text-align:left;vertical-align:top}\
th{background:var(--soft);font-weight:600}.num{font-variant-numeric:tabular-nums;white-space:nowrap}\
.card{border:1px solid var(--line);border-radius:10px;padding:1em 1.2em;margin:.8em 0;background:#fff}\
form.op{border:1px solid var(--line);border-radius:10px;padding:1em 1.2em;margin:.6em 0;background:var(--soft)}\
form.op label{display:grid;grid-template-columns:minmax(9em,14em) minmax(0,1fr);gap:.2em 1em;align-items:center;margin:.45em 0}\
form.op label[hidden]{display:none}form.op .hint{grid-column:2;color:var(--muted);font-size:.85em}\
input,select,textarea{font:inherit;padding:.3em .5em;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%}\
form.op input:not([type=checkbox]),form.op select{width:100%;max-width:34em}input[type=checkbox]{justify-self:start}textarea{width:100%;max-width:48em}\
button,.button{font:inherit;background:var(--brand);color:#fff;border:0;border-radius:6px;padding:.4em 1em;cursor:pointer;text-decoration:none;display:inline-block}\
button:hover,.button:hover{filter:brightness(1.1)}form.inline{display:inline-block;margin:.15em}form.inline button{padding:.25em .7em}\
.channels form.inline button,.channels a.button{background:#fff;color:var(--ink);border:1px solid var(--line);padding:.3em .8em;margin:.15em}\
.ok{color:var(--brand)}.waiting{color:#9a6700}.error{background:#fef3f2;border:1px solid #fda29b;padding:.6em 1em;border-radius:8px;color:var(--bad)}\
.big{font-size:1.5em}.muted{color:var(--muted)}.unsafe{color:var(--bad)}\
pre{white-space:pre-wrap;word-break:break-all;background:var(--soft);padding:.6em;border-radius:6px;font-size:.85em}\
.pay{display:flex;flex-wrap:wrap;gap:1.5em;align-items:center}.pay>div:last-child{flex:1 1 18em}.qr svg{width:220px;height:220px;display:block}\
.amount{font-size:2em;font-weight:700;margin:0}.status{font-size:1.1em}details summary{cursor:pointer;color:var(--muted)}\
.sections{display:grid;grid-template-columns:repeat(auto-fill,minmax(16em,1fr));gap:.8em;padding:0;list-style:none}\
.sections li{border:1px solid var(--line);border-radius:10px;padding:.7em 1em}.sections li b{display:block}\
.sections li span{color:var(--muted);font-size:.85em;overflow-wrap:anywhere}th{white-space:nowrap}\
.scroll{overflow-x:auto;max-width:100%}.access{padding:.5em .8em;border-radius:8px;background:var(--soft)}\
.pages{display:flex;gap:.6em}.facts td{overflow-wrap:anywhere}.latest{margin-bottom:1.5em}\
@media (max-width:700px){body{font-size:16px}main{padding:0 .8em;margin-top:.8em}h1{font-size:1.35em;overflow-wrap:anywhere}\
header{padding:0 .4em}header nav{flex-wrap:nowrap;overflow-x:auto;white-space:nowrap;gap:0 .9em;scrollbar-width:none}\
header a{display:inline-flex;align-items:center;min-height:44px;padding:0 .2em}\
button,.button,input,select{min-height:44px}input[type=checkbox]{min-width:28px;min-height:28px}\
form.inline button,.channels form.inline button,.channels a.button{min-height:44px;padding:.3em .9em}\
form.op{padding:.8em}form.op label{grid-template-columns:minmax(0,1fr)}form.op .hint{grid-column:1}\
table.rows thead{display:none}table.rows,table.rows tbody,table.rows tr{display:block;width:100%}\
table.rows tr{border:1px solid var(--line);border-radius:10px;margin:.6em 0;padding:.3em .7em}\
table.rows td{display:grid;grid-template-columns:7.5em minmax(0,1fr);gap:.6em;border:0;padding:.25em 0;overflow-wrap:anywhere}\
table.rows td::before{content:attr(data-label);color:var(--muted);font-size:.85em}\
table.rows td a,.facts a,.pages a,.sections li a{display:inline-flex;align-items:center;min-height:44px}\
table.groups,table.groups tbody,table.groups tr,table.groups th,table.groups td{display:block;border:0;padding:.2em 0}\
table.groups th{background:none;margin-top:.6em}.facts th{white-space:normal}}";
