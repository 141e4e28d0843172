/**
 * The page's one stylesheet: a constant, so the CSP allows it by its SHA-256 hash and the 404 page
 * needs no nonce. Network selection works without JavaScript: each panel is shown by a `:has()` rule on
 * its radio (rules for the first {@link MAX_CSS_OPTIONS} options); browsers without `:has()` show every
 * panel, and the script hides the unselected ones when it runs.
 */

export const MAX_CSS_OPTIONS = 16

const panelRules = Array.from(
  { length: MAX_CSS_OPTIONS },
  (_, i) => `.pay:has(#opt-${i}:checked) #panel-${i}{display:block}`,
).join("\n")

export const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#ffffff;--fg:#15171c;--muted:#555d6b;--line:#d6dae1;
--accent:#1f4fd1;--fill:#1f4fd1;--fill-fg:#ffffff;--ok:#0f7a55;--bad:#b3261e;--code:#eef0f4;
--warn-bg:#fff4d5;--warn-fg:#5c3f00;--warn-line:#d9a520}
@media (prefers-color-scheme:dark){:root{--bg:#0e1014;--card:#181b21;--fg:#eceef2;--muted:#a7aebb;
--line:#30353f;--accent:#8aaeff;--fill:#8aaeff;--fill-fg:#0e1014;--ok:#55cf98;--bad:#ff8f86;--code:#23272f;
--warn-bg:#3a2c05;--warn-fg:#ffdc8f;--warn-line:#8f6c10}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif}
[hidden]{display:none!important}
main{max-width:520px;margin:0 auto;padding:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px;margin:0 0 12px}
.logo{display:block;max-width:200px;max-height:48px;width:auto;height:auto;margin:0 0 8px}
h1{font-size:1.25rem;line-height:1.3;margin:0;overflow-wrap:anywhere}
h2{font-size:.875rem;font-weight:600;color:var(--muted);margin:0 0 4px}
p{margin:0}
.label{color:var(--muted);font-size:.875rem}
.desc{margin-top:4px;overflow-wrap:anywhere;white-space:pre-wrap}
.amount{white-space:nowrap;font-size:2rem;font-weight:700;line-height:1.2;margin-top:12px;font-variant-numeric:tabular-nums}
.amount small{font-size:1rem;font-weight:600;color:var(--muted)}
.timer{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px;margin-top:12px}
.countdown{font-size:1.125rem;font-weight:700;font-variant-numeric:tabular-nums}
.status-text{font-weight:600}
[data-status=completed] .status-text{color:var(--ok)}
[data-status=expired] .status-text,[data-status=underpaid] .status-text{color:var(--bad)}
.status-extra{margin-top:4px}
progress{display:block;width:100%;height:10px;margin-top:8px;accent-color:var(--fill)}
.redirect{margin-top:8px}
a{color:var(--accent);text-underline-offset:2px}
a:focus-visible,button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.tabs{border:0;margin:0;padding:0;min-width:0;display:flex;flex-wrap:wrap;gap:8px}
.tabs legend{padding:0;margin-bottom:8px;font-size:.875rem;font-weight:600;color:var(--muted)}
.tab{position:relative;display:inline-flex;align-items:center;min-height:44px;padding:8px 14px;
border:1px solid var(--line);border-radius:999px;cursor:pointer;font-weight:600;user-select:none}
.ic{width:20px;height:20px;flex:none}.ic+.ic{margin:0 6px 0 -5px}
.tab input{position:absolute;left:0;top:0;width:1px;height:1px;margin:0;opacity:0;pointer-events:none}
.tab:has(input:checked){background:var(--fill);border-color:var(--fill);color:var(--fill-fg)}
.tab:has(input:focus-visible){outline:3px solid var(--accent);outline-offset:2px}
@supports not selector(:has(*)){.ic{width:20px;height:20px;flex:none}.ic+.ic{margin:0 6px 0 -5px}
.tab input{position:static;width:auto;height:auto;opacity:1;margin-right:6px}}
.field{margin-top:16px}
.field>.label{margin-bottom:4px}
.field>.remaining{margin:4px 0 0}
.value{display:flex;gap:8px;align-items:stretch}
.value code{flex:1;min-width:0;display:flex;align-items:center;padding:10px 12px;border-radius:8px;
background:var(--code);font:15px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
overflow-wrap:anywhere;word-break:break-all;user-select:all}
.value.amt{flex-wrap:wrap}
.value code.big{flex:1 0 auto;font-size:1.25rem;font-weight:700;white-space:nowrap;word-break:normal;overflow-wrap:normal}
.value code.big.sm{font-size:1rem}.value code.big.xs{font-size:.8125rem}
.unit{margin-left:.5ch;user-select:none;font-weight:600;color:var(--muted)}
button.copy{flex:none;min-height:44px;min-width:64px;padding:0 14px;border-radius:8px;border:1px solid var(--accent);
background:transparent;color:var(--accent);font:inherit;font-weight:600;cursor:pointer}
button.copy[data-done]{background:var(--fill);border-color:var(--fill);color:var(--fill-fg)}
.warn,.note{margin-top:8px;padding:10px 12px;border-radius:8px;border:1px solid var(--warn-line);background:var(--warn-bg);
color:var(--warn-fg);font-size:.9375rem}
.warn strong{display:block}
.manual{margin-top:12px}
.note{border-color:var(--line);background:var(--code);color:var(--fg)}
.next{margin-top:10px;display:flex;flex-direction:column;align-items:flex-start;gap:8px}
a.button{display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:0 16px;border-radius:8px;
background:var(--fill);color:var(--fill-fg);font-weight:600;text-decoration:none}
.qr-box{display:flex;flex-direction:column;align-items:center;gap:6px;margin-top:16px}
.qr{display:block;width:100%;max-width:240px;height:auto;border-radius:8px;border:1px solid var(--line)}
.hint{margin-top:12px;font-size:.875rem;color:var(--muted)}
.vh{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
footer{padding:8px 0 16px;text-align:center;color:var(--muted);font-size:.75rem}
.ribbon{margin:0;padding:8px 12px;text-align:center;font-weight:700;font-size:.875rem;letter-spacing:.02em;
background:var(--warn-bg);color:var(--warn-fg);border-bottom:2px solid var(--warn-line)}
a.wallet{display:flex;width:100%;margin-top:12px}
.txs{margin:8px 0 0;padding:0;list-style:none;font-size:.9375rem}
.txs li{padding:6px 0;border-top:1px solid var(--line);overflow-wrap:anywhere}
.conf-n{color:var(--muted)}
.receipt dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:8px 0 0}
.receipt dt{color:var(--muted)}.receipt dd{margin:0;overflow-wrap:anywhere}
button.print{margin-top:12px}
.langs{display:flex;flex-wrap:wrap;justify-content:center;gap:4px 12px;margin-bottom:6px;font-size:.875rem}
.langs a{display:inline-block;padding:10px 4px;min-height:44px}
.langs a[aria-current]{font-weight:700;color:var(--fg);text-decoration:none}
@media print{body{background:#fff;color:#000}main>*:not(.receipt):not(.summary),footer,button,.ribbon{display:none!important}
.card{border:0}}
@supports selector(:has(*)){.panel{display:none}
${panelRules}
}
@media (min-width:880px){main{padding-top:40px}
main:has(>.pay:not([hidden])){max-width:920px;display:grid;grid-template-columns:5fr 6fr;gap:0 20px;align-items:start}
.summary{grid-column:1;grid-row:1}.status{grid-column:1;grid-row:2}.pay{grid-column:2;grid-row:1 / span 3}
footer{grid-column:1 / -1}}
`
