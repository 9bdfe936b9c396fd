/**
 * The console's page shell, style and script (docs/console.md). Pages are rendered on the
 * gateway with hono/html (every value escaped) and work without script; the script only keeps the
 * fleet table live (server-sent events) and fills in local times. No framework, nothing from the
 * internet: a store manager's laptop loads a page of a few kilobytes.
 */
import { html, raw } from 'hono/html';
import type { ConsoleLang, ConsoleWords } from './words.js';

export type Fragment = ReturnType<typeof html>;

export interface PageContext {
  lang: ConsoleLang;
  words: ConsoleWords;
  /** the signed-in role; null on the sign-in page */
  role: string | null;
  csrf: string | null;
  /** the path of this page, for the language switch to come back to */
  path: string;
}

export function page(ctx: PageContext, title: string, active: 'fleet' | 'cards' | 'programs' | 'reports' | null, body: Fragment | string): Promise<string> {
  const w = ctx.words;
  const other: ConsoleLang = ctx.lang === 'en' ? 'ru' : 'en';
  return Promise.resolve(
    html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · ${w.title}</title>
<link rel="stylesheet" href="/admin/console.css">
<script src="/admin/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${w.skip}</a>
<header>
  <span class="brand">${w.title}</span>
  ${
    ctx.role
      ? html`<nav aria-label="${w.title}">
          <a href="/admin/kiosks" ${active === 'fleet' ? raw('aria-current="page"') : ''}>${w.nav.fleet}</a>
          <a href="/admin/cards" ${active === 'cards' ? raw('aria-current="page"') : ''}>${w.nav.cards}</a>
          <a href="/admin/programs" ${active === 'programs' ? raw('aria-current="page"') : ''}>${w.nav.programs}</a>
          <a href="/admin/reports" ${active === 'reports' ? raw('aria-current="page"') : ''}>${w.nav.reports}</a>
        </nav>`
      : ''
  }
  <span class="spacer"></span>
  <a class="lang" href="/admin/lang/${other}?back=${encodeURIComponent(ctx.path)}" lang="${other}">${w.otherLang}</a>
  ${
    ctx.role
      ? html`<span class="who">${w.signedInAs(w.roles[ctx.role] ?? ctx.role)}</span>
        <form method="post" action="/admin/logout" class="inline">${csrfField(ctx)}<button type="submit">${w.signOut}</button></form>`
      : ''
  }
</header>
<main id="main">
${body}
</main>
</body>
</html>`,
  ).then(String);
}

/** The session's CSRF token, in every form that changes something. */
export function csrfField(ctx: Pick<PageContext, 'csrf'>): Fragment | string {
  return ctx.csrf ? html`<input type="hidden" name="_csrf" value="${ctx.csrf}">` : '';
}

/** A message above a page's content: what an action came to. */
export function flash(kind: 'ok' | 'error', text: string | null | undefined): Fragment | string {
  if (!text) return '';
  return html`<p class="flash ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** An instant as the reader's local time (the script fills it in); the UTC text stays without script. */
export function time(iso: string | null, fallback: string): Fragment | string {
  if (!iso) return fallback;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

export const CONSOLE_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,"DejaVu Sans",sans-serif;color:#1b2330;background:#f4f6f9}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}
header{display:flex;align-items:center;gap:16px;padding:8px 20px;background:#16233a;color:#fff}
header a{color:#fff}
.brand{font-weight:700}
nav{display:flex;gap:12px}
nav a{text-decoration:none;padding:4px 8px;border-radius:6px}
nav a[aria-current="page"]{background:#2b4a7a}
.spacer{flex:1}
.who{opacity:.85}
main{padding:16px 20px;max-width:1280px}
h1{font-size:24px;margin:4px 0 12px}
h2{font-size:18px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:14px}
.wide{overflow-x:auto}
th,td{border:1px solid #d5dbe4;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#e9edf3}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.status-online{color:#0a6b35;font-weight:700}
.status-offline,.status-revoked{color:#a11c1c;font-weight:700}
.health-ok{color:#0a6b35}.health-degraded{color:#8a5300}.health-down{color:#a11c1c;font-weight:700}.health-absent{color:#5a6473}
form.inline{display:inline}
form.card,section.card{background:#fff;border:1px solid #d5dbe4;border-radius:8px;padding:12px 16px;margin:12px 0}
label{display:inline-block;margin:4px 12px 4px 0}
input,select,textarea,button{font:inherit}
input,select,textarea{border:1px solid #8a94a6;border-radius:6px;padding:5px 8px;background:#fff;color:#1b2330}
textarea{width:100%;min-height:140px;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
button{background:#2b4a7a;color:#fff;border:0;border-radius:6px;padding:6px 14px;cursor:pointer}
button.danger{background:#a11c1c}
header button{background:#3a4f72}
.flash{padding:8px 12px;border-radius:6px}
.flash.ok{background:#dff3e7;color:#0b4d28}
.flash.error{background:#fbe3e3;color:#7a1111}
.errors{color:#7a1111}
.code{font:700 40px/1.2 ui-monospace,"DejaVu Sans Mono",monospace;letter-spacing:4px}
.hint{color:#4a5566;font-size:14px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:4px 16px}
dl.facts dt{color:#4a5566}dl.facts dd{margin:0}
pre{background:#fff;border:1px solid #d5dbe4;padding:8px;overflow:auto}
.chart{background:#fff;border:1px solid #d5dbe4;border-radius:8px;padding:8px}
.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.c-earned{background:#1f7a4d;fill:#1f7a4d}.c-redeemed{background:#2b4a7a;fill:#2b4a7a}.c-expired{background:#b4541a;fill:#b4541a}
.signin{max-width:460px}
.signin input{width:100%}
`;

export const CONSOLE_SCRIPT = `
"use strict";
function localTimes(root) {
  for (const t of root.querySelectorAll("time[datetime]")) {
    const d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d)) t.textContent = d.toLocaleString(document.documentElement.lang);
  }
}
localTimes(document);
const live = document.querySelector("[data-live]");
if (live && window.EventSource) {
  const events = new EventSource(live.dataset.live);
  events.addEventListener("fleet", (e) => {
    live.innerHTML = JSON.parse(e.data).html;
    localTimes(live);
  });
}
`;
