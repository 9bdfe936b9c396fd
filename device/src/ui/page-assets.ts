/**
 * The touchscreen page's shell: one HTML document with its style and a small script, served by
 * the agent. No framework and nothing from the internet (a kiosk has none): the agent renders
 * each screen (ui/page-render.ts) and pushes it over server-sent events; the script swaps it in,
 * runs the countdown and posts button presses back. A Raspberry Pi swaps a screen in a few
 * milliseconds (docs/kiosk-page.md).
 */

export const PAGE_STYLE = `
*{box-sizing:border-box}
html,body{margin:0;height:100%;background:#0f1724;color:#f4f6fa;font:24px/1.35 system-ui,"DejaVu Sans",sans-serif;user-select:none;cursor:default}
#app{display:flex;flex-direction:column;height:100%}
header{display:flex;justify-content:space-between;align-items:center;padding:16px 24px;background:#16233a}
.store{font-weight:700}
main{flex:1;display:flex;flex-direction:column;justify-content:center;align-items:center;text-align:center;padding:24px}
h1{font-size:56px;margin:0 0 16px}
.hint{opacity:.85}
.detail{opacity:.7;font-size:20px}
.busy{font-size:32px}
.balance strong{font-size:72px}
.earned{color:#6ee7a8}
.tone-error h1{color:#ff8a8a}
.member dl{display:grid;grid-template-columns:auto auto;gap:4px 16px;justify-content:center;margin:8px 0}
.member dt{opacity:.7}.member dd{margin:0;font-weight:700}
.expiring{color:#ffd27a}
.card{opacity:.6;font-size:20px}
.warning{margin:0;padding:12px 24px;background:#7a2b00;text-align:center}
footer{display:flex;justify-content:space-between;align-items:center;padding:16px 24px;min-height:88px}
button{font:inherit;color:inherit;background:#2b4a7a;border:0;border-radius:12px;padding:14px 28px;min-width:120px;min-height:56px}
button:active{background:#3d6db5}
#countdown{opacity:.7;font-size:20px}
`;

export const PAGE_SCRIPT = `
"use strict";
const app = document.getElementById("app");
let offset = 0;
function tick() {
  const el = document.getElementById("countdown");
  if (!el) return;
  const s = Math.max(0, Math.ceil((Number(el.dataset.idleAt) - (Date.now() + offset)) / 1000));
  el.textContent = el.dataset.template.replace("{s}", String(s));
}
const events = new EventSource("/events");
events.addEventListener("view", (e) => {
  const p = JSON.parse(e.data);
  offset = p.now - Date.now();
  app.innerHTML = p.html;
  document.documentElement.lang = p.lang;
  document.body.dataset.screen = p.screen;
  document.body.dataset.seq = String(p.seq);
  tick();
});
setInterval(tick, 1000);
document.addEventListener("click", (e) => {
  const button = e.target.closest("[data-action]");
  if (!button) return;
  const input = { action: button.dataset.action };
  if (button.dataset.lang) input.lang = button.dataset.lang;
  fetch("/input", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) }).catch(() => {});
});
`;

export function pageShell(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title.replace(/[<>&"]/g, '')}</title><style>${PAGE_STYLE}</style></head>
<body data-screen="loading"><div id="app"></div><script src="/kiosk.js" defer></script></body></html>`;
}
