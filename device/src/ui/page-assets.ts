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
header{display:flex;justify-content:space-between;align-items:center;padding:8px 24px;background:#16233a}
.store{font-weight:700}
main{flex:1;display:flex;flex-direction:column;justify-content:safe center;align-items:center;text-align:center;padding:12px 24px;overflow:auto}
h1{font-size:44px;margin:0 0 12px}
p{margin:6px 0}
.hint{opacity:.85}
.detail{opacity:.7;font-size:20px}
.busy{font-size:32px}
.balance strong{font-size:56px}
.earned{color:#6ee7a8}
.tone-error h1{color:#ff8a8a}
.member dl{display:grid;grid-template-columns:auto auto;gap:4px 16px;justify-content:center;margin:8px 0}
.member dt{opacity:.7}.member dd{margin:0;font-weight:700}
.expiring{color:#ffd27a}
.card{opacity:.6;font-size:20px}
.warning{margin:0;padding:12px 24px;background:#7a2b00;text-align:center}
footer{display:flex;justify-content:space-between;align-items:center;padding:8px 24px;min-height:72px}
button{font:inherit;color:inherit;background:#2b4a7a;border:0;border-radius:12px;padding:14px 28px;min-width:120px;min-height:56px}
button:active{background:#3d6db5}
#countdown{opacity:.7;font-size:20px}
.spend{margin-top:16px;background:#1f7a4d}
.offers{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px;width:100%;max-width:760px;margin:12px 0}
.offer{display:flex;flex-direction:column;gap:2px;opacity:.45;padding:10px 14px;font-size:20px}
.offer.affordable{opacity:1;background:#1f7a4d}
.offer span{font-size:18px;opacity:.85}
.keypad{display:grid;grid-template-columns:repeat(4,104px);gap:8px;margin-top:8px}
.keypad button{min-width:0;min-height:44px;padding:6px}
.keypad .ok{grid-column:span 4;background:#1f7a4d}
.entry{font-size:36px;letter-spacing:6px;min-height:48px}
.entry.name{letter-spacing:1px;font-size:32px}
.keyboard{display:flex;flex-direction:column;gap:4px;margin:4px 0}
.keyboard .letters{display:grid;grid-template-columns:repeat(11,56px);gap:4px}
.keyboard .letters[hidden]{display:none}
.keyboard button{min-width:0;min-height:42px;padding:2px}
.enterName h1{font-size:32px;margin:0}
.enterName .hint{font-size:18px;margin:0}
.keyboard .row button{min-width:72px}
.keyboard .row{display:flex;gap:6px;justify-content:center}
.keyboard .space{width:220px}
.consent{display:flex;gap:8px;align-items:center;margin:6px 0}
.consent input{width:28px;height:28px}
.terms{font-size:16px;opacity:.7}
.registered{color:#6ee7a8;font-weight:700}
.register,.ok{background:#1f7a4d}
.by-phone{margin-top:28px;background:#33415c;font-size:22px}
.coupon-code strong{font-size:30px;letter-spacing:2px}
.problem{color:#ff8a8a}
.status{font-weight:700}
main.tone-go{background:#12703f}
main.tone-stop{background:#8f1d1d}
.verdict h1{font-size:56px}
.staff-badge{background:#5b3a8c;border-radius:8px;padding:4px 16px;font-size:20px;margin-bottom:8px}
.staff-menu{display:grid;grid-template-columns:repeat(2,minmax(240px,1fr));gap:10px;width:100%;max-width:720px;margin:8px 0}
.staff-action{font-size:22px}
.staff-action.exit{background:#4a4f5c}
.staff-message{font-weight:700;max-width:720px}
.staff-message.good{color:#6ee7a8}
.staff-message.bad{color:#ff8a8a}
.staff h1{font-size:30px;margin:0 0 4px}
.staff .hint{font-size:19px;margin:2px 0}
.staff .entry{min-height:40px;font-size:30px}
.staff .keypad{margin-top:2px;gap:6px}
.staff .keypad button{min-height:38px}
.staff .back,.staff .row button{min-height:48px;padding:8px 24px}
.keypad .ok.half{grid-column:span 2}
.keypad .ok.minus{background:#8f1d1d}
.row{display:flex;gap:12px;justify-content:center;margin-top:8px}
/* Screens up to 760 px high (the Raspberry Pi 7-inch 800x480, 1024x600, 1280x720): every screen fits without scrolling (docs/kiosk-page.md). */
@media (max-height:760px){
html,body{font-size:20px;line-height:1.25}
header{padding:4px 16px}
header button{min-height:44px;padding:6px 18px}
main{padding:6px 16px}
h1{font-size:32px;margin:0 0 4px}
p{margin:3px 0}
.detail,.card,#countdown{font-size:17px}
.busy{font-size:26px}
.balance strong{font-size:42px}
footer{padding:4px 16px;min-height:56px}
button{padding:8px 22px;min-height:48px}
.spend{margin-top:6px}
.offers{gap:8px;margin:6px 0}
.offer{padding:4px 10px;font-size:17px;line-height:1.2}
.offer span{font-size:16px}
.keypad{gap:5px;margin-top:2px}
.keypad button{min-height:44px}
.entry{font-size:28px;min-height:36px}
.entry.name{font-size:26px}
.enterName h1{font-size:26px}
.enterName .hint{font-size:16px}
.keyboard{gap:3px;margin:2px 0}
.keyboard .letters{gap:3px}
.keyboard button{min-height:34px}
.consent{margin:2px 0}
.consent input{width:24px;height:24px}
.terms{font-size:14px}
.by-phone{margin-top:10px;font-size:19px}
.coupon-code strong{font-size:26px}
.verdict h1{font-size:44px}
.staff h1{font-size:24px;margin:0 0 2px}
.staff-badge{padding:2px 12px;font-size:16px;margin-bottom:4px}
.staff .entry{min-height:34px;font-size:26px}
.staff .keypad{gap:4px}
.staff .hint{font-size:16px;margin:1px 0}
.staff-menu{gap:8px;margin:4px 0}
.staff .back,.staff .row button{min-height:44px;padding:6px 20px}
.row{margin-top:4px}
}
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
let shown = -1;
events.addEventListener("view", (e) => {
  const p = JSON.parse(e.data);
  offset = p.now - Date.now();
  // The same view again (only its countdown moved): keep what is being typed.
  const typed = p.seq === shown ? document.getElementById("entry")?.textContent : "";
  app.innerHTML = p.html;
  shown = p.seq;
  const entry = document.getElementById("entry");
  if (entry && typed) entry.textContent = typed;
  document.documentElement.lang = p.lang;
  document.body.dataset.screen = p.screen;
  document.body.dataset.seq = String(p.seq);
  tick();
});
setInterval(tick, 1000);
document.addEventListener("click", (e) => {
  const toggle = e.target.closest("[data-toggle]");
  if (toggle) {
    for (const letters of document.querySelectorAll(".letters")) letters.hidden = !letters.hidden;
    return;
  }
  const key = e.target.closest("[data-key]");
  if (key) {
    const entry = document.getElementById("entry");
    const k = key.dataset.key;
    if (k === "del") entry.textContent = entry.textContent.slice(0, -1);
    else if (entry.textContent.length < Number(entry.dataset.max)) {
      // Names: capital first letters, small after (one-handed typing on a kiosk).
      const text = entry.textContent;
      const ch = k === "space" ? " " : text && !/[ -]$/.test(text) ? k.toLowerCase() : k;
      entry.textContent = text + ch;
    }
    return;
  }
  const button = e.target.closest("[data-action]");
  if (!button || button.disabled) return;
  const input = { action: button.dataset.action };
  if (button.dataset.lang) input.lang = button.dataset.lang;
  if (button.dataset.offer) input.offer = button.dataset.offer;
  if (button.dataset.value) input.value = button.dataset.value;
  if (button.dataset.field) {
    const entry = document.getElementById("entry");
    const value = entry.textContent.trim();
    if (value.length < Number(entry.dataset.min)) return;
    input[button.dataset.field] = value;
  }
  if (button.dataset.consent) input.marketing = document.getElementById("marketing").checked;
  fetch("/input", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) }).catch(() => {});
});
`;

export function pageShell(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title.replace(/[<>&"]/g, '')}</title><style>${PAGE_STYLE}</style></head>
<body data-screen="loading"><div id="app"></div><script src="/kiosk.js" defer></script></body></html>`;
}
