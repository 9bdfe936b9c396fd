/**
 * The customers' page shell, style and script (docs/self-service.md). Mobile first: one column,
 * large type and targets, a page of a few kilobytes. Rendered on the gateway with hono/html (every
 * value escaped); the only script registers the service worker that keeps the card for offline use.
 */
import { html, raw } from 'hono/html';
import type { MyLang, MyWords } from './words.js';
import { csrfField } from '../console/layout.js';

/** The session's CSRF token in a form: the same field as the console's forms. */
export { csrfField };

export type Fragment = ReturnType<typeof html>;

export interface MyContext {
  lang: MyLang;
  words: MyWords;
  /** the session's CSRF token; null when signed out */
  csrf: string | null;
  /** this page's path, for the language switch to come back to */
  path: string;
  /** the time zone dates are shown in: the zone of a store that runs the customer's program */
  timeZone: string;
}

export type Section = 'account' | 'card' | 'statement' | 'profile';

export function myPage(ctx: MyContext, title: string, active: Section | null, body: Fragment | string): Promise<string> {
  const w = ctx.words;
  const other: MyLang = ctx.lang === 'en' ? 'ru' : 'en';
  const signedIn = ctx.csrf !== null;
  const link = (section: Section, href: string, label: string) => html`<a href="${href}" ${active === section ? raw('aria-current="page"') : ''}>${label}</a>`;
  return Promise.resolve(
    html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="theme-color" content="#16233a">
<title>${title} · ${w.title}</title>
<link rel="manifest" href="/my/manifest.webmanifest">
<link rel="icon" href="/my/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/my/my.css">
<script src="/my/my.js" defer></script>
</head>
<body ${signedIn ? raw('data-signed-in="1"') : ''}>
<a class="skip" href="#main">${w.skip}</a>
<header>
  <span class="brand">${w.title}</span>
  <a class="lang" href="/my/lang/${other}?back=${encodeURIComponent(ctx.path)}" lang="${other}">${w.otherLang}</a>
  ${signedIn ? html`<form method="post" action="/my/sign-out" class="inline">${csrfField(ctx)}<button type="submit" class="quiet">${w.signOut}</button></form>` : ''}
</header>
${
  signedIn
    ? html`<nav aria-label="${w.title}">
        ${link('account', '/my', w.nav.account)} ${link('card', '/my/card', w.nav.card)} ${link('statement', '/my/statement', w.nav.statement)}
        ${link('profile', '/my/profile', w.nav.profile)}
      </nav>`
    : ''
}
<main id="main">
${body}
</main>
</body>
</html>`,
  ).then(String);
}

export function notice(kind: 'ok' | 'error', text: string | null | undefined): Fragment | string {
  if (!text) return '';
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

export const MY_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.45 system-ui,"DejaVu Sans",sans-serif;color:#17202c;background:#f3f5f8}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}
header{display:flex;align-items:center;gap:12px;padding:10px 16px;background:#16233a;color:#fff}
header a{color:#fff}
.brand{font-weight:700;flex:1}
nav{display:flex;flex-wrap:wrap;gap:4px;padding:6px 8px;background:#fff;border-bottom:1px solid #d5dbe4}
nav a{padding:8px 10px;border-radius:8px;color:#16233a;text-decoration:none}
nav a[aria-current="page"]{background:#dfe7f3;font-weight:700}
main{padding:12px 16px 32px;max-width:560px;margin:0 auto}
h1{font-size:24px;margin:8px 0 12px}
h2{font-size:19px;margin:22px 0 8px}
section.box,form.box{background:#fff;border:1px solid #d5dbe4;border-radius:12px;padding:14px 16px;margin:12px 0}
.balance{font-size:34px;font-weight:700;margin:4px 0}
.muted{color:#4b5563}
form.inline{display:inline}
label{display:block;margin:10px 0 4px;font-weight:600}
label.check{display:flex;gap:10px;align-items:flex-start;font-weight:400}
input,button{font:inherit}
input[type=text],input[type=tel],input[type=date]{width:100%;padding:10px 12px;border:1px solid #8a94a6;border-radius:8px;background:#fff;color:#17202c}
input[type=checkbox]{width:22px;height:22px;margin-top:2px}
button,.button{display:inline-block;background:#1f4f99;color:#fff;border:0;border-radius:10px;padding:12px 18px;margin-top:12px;text-decoration:none;cursor:pointer}
button.quiet{background:#3a4f72;padding:6px 12px;margin:0}
button.danger{background:#a11c1c}
.notice{padding:10px 12px;border-radius:8px}
.notice.ok{background:#e3f4e9;color:#0a4f27}
.notice.error{background:#fde8e8;color:#7f1414}
.barcode svg{display:block;width:100%;height:auto;background:#fff}
.qr svg{display:block;width:min(70vw,260px);height:auto;margin:12px auto;background:#fff}
.cardnumber{font:700 26px/1.2 ui-monospace,"DejaVu Sans Mono",monospace;letter-spacing:2px;text-align:center;margin:8px 0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:15px}
th,td{border-bottom:1px solid #e2e6ec;padding:8px 6px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.plus{color:#0a6b35}.minus{color:#8a1c1c}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:8px 0;border-bottom:1px solid #e2e6ec}
.pager{display:flex;justify-content:space-between;margin-top:12px}
`;

/** Registers the service worker that keeps the card view for offline use (docs/self-service.md). */
export const MY_SCRIPT = `
if ('serviceWorker' in navigator && document.body.dataset.signedIn === '1') {
  navigator.serviceWorker.register('/my/sw.js', { scope: '/my/' }).catch(function () {});
}
`;

/** A plain card as the home-screen icon: a rounded rectangle with a stripe. */
export const MY_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 192 192"><rect width="192" height="192" rx="36" fill="#16233a"/><rect x="28" y="52" width="136" height="88" rx="12" fill="#fff"/><rect x="28" y="72" width="136" height="16" fill="#1f4f99"/><rect x="44" y="108" width="56" height="10" rx="3" fill="#16233a"/></svg>`;
