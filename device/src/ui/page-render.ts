/**
 * The touchscreen page's content for a Presentation: an HTML fragment rendered by the agent and
 * pushed to the page, which only swaps it in (docs/kiosk-page.md). Every value is escaped by
 * hono/html; the words come from ui/text.ts, in the journey's language.
 */
import { html } from 'hono/html';
import { lastDayInstant } from '@loyalty/protocol';
import { formatDay, formatMoney, formatOfferEnd, WORDS, type Words } from './text.js';
import { keyboard, keypad, LATIN, RUSSIAN } from './keypad.js';
import { staffContent } from './staff-render.js';
import type { Lang, MemberView, Presentation } from './view.js';

type Fragment = ReturnType<typeof html>;

export async function renderView(p: Presentation, storeName: string): Promise<string> {
  const w = WORDS[p.lang];
  const other: Lang = p.lang === 'en' ? 'ru' : 'en';
  const body = content(p, w);
  return String(
    await html`<header>
        <span class="store">${storeName}</span>
        <button class="lang" data-action="language" data-lang="${other}">${w.page.language}</button>
      </header>
      <main class="screen ${p.view.screen}${tone(p)}" data-screen="${p.view.screen}">${body}</main>
      ${p.printerWarning ? html`<p class="warning" role="alert">${w.page.printerProblem}</p>` : ''}
      <footer>
        ${p.idleAt === null ? '' : html`<span id="countdown" data-idle-at="${p.idleAt}" data-template="${w.page.backIn('{s}')}"></span>`}
        ${['welcome', 'entrance', 'outOfService', 'notPaired'].includes(p.view.screen) ? '' : html`<button class="done" data-action="done">${w.page.done}</button>`}
      </footer>`,
  );
}

/** Red for a refusal, green for an entrance that lets the member in: seen from across the door. */
function tone(p: Presentation): string {
  if (p.view.screen === 'notice') return ' tone-error';
  if (p.view.screen === 'entrance') return p.view.entry.allowed ? ' tone-go' : ' tone-stop';
  return '';
}

function content(p: Presentation, w: Words): Fragment | string {
  const { view } = p;
  switch (view.screen) {
    case 'welcome':
      return view.entrance
        ? html`<h1>${w.page.entranceTitle}</h1>
            <p class="hint">${w.page.entranceHint}</p>`
        : html`<h1>${w.page.welcomeTitle}</h1>
            <p class="hint">${w.page.welcomeHint}</p>
            <button class="by-phone" data-action="byPhone">${w.page.byPhone}</button>`;
    case 'entrance': {
      const { title, lines } = w.page.entrance(
        view.entry,
        (iso) => formatDay(iso, p.lang, p.timeZone),
        (money) => formatMoney(money, p.lang),
      );
      return html`<div class="verdict" data-allowed="${view.entry.allowed ? 'yes' : 'no'}">
        <h1>${title}</h1>
        ${lines.map((line) => html`<p>${line}</p>`)}
      </div>`;
    }
    case 'reading':
      return html`<p class="busy">${w.page.reading}</p>`;
    case 'member':
      return html`${memberCard(view.member, p, w)}
        <p class="hint">${w.page.scanReceipt}</p>
        ${view.member.canSpend ? html`<button class="spend" data-action="rewards">${w.page.spend}</button>` : ''}`;
    case 'rewards':
      return html`<h1>${w.page.rewardsTitle}</h1>
        <p class="balance"><strong data-field="balance">${view.member.balance}</strong> ${w.page.points(view.member.balance)}</p>
        <div class="offers">
          ${view.offers.map(
            (o) =>
              html`<button class="offer${o.affordable ? ' affordable' : ''}" data-action="redeem" data-offer="${o.id}" ${o.affordable ? '' : 'disabled'}>
                <b>${o.name ?? w.page.pointsOff(formatMoney(o.value, p.lang))}</b><span>${w.page.offerPoints(o.points)}${o.name && o.value.amount > 0 ? html` · ${formatMoney(o.value, p.lang)}` : ''}</span>
              </button>`,
          )}
        </div>
        <button class="back" data-action="back">${w.page.back}</button>`;
    case 'redeeming':
      return html`<p class="busy">${w.page.redeeming}</p>`;
    case 'enterCode':
      return codeEntry(w, w.page.codeHint(view.points), view.wrongCode);
    case 'unregistered':
      return html`<h1>${w.page.unregistered}</h1>
        <p class="hint">${w.page.unregisteredHint}</p>
        ${view.canCollect ? html`<p class="balance"><strong data-field="balance">${view.balance}</strong> ${w.page.points(view.balance)}</p><p class="hint">${w.page.scanReceipt}</p>` : ''}
        <p class="card">${w.page.card} ${view.cardMasked}</p>
        <button class="register" data-action="register">${w.page.register}</button>`;
    case 'enterPhone':
      return html`<h1>${w.page.phoneTitle}</h1>
        <p class="hint">${w.page.phoneHint}</p>
        ${view.invalid ? html`<p class="problem" role="alert">${w.page.phoneInvalid}</p>` : ''}
        ${keypad(['1', '2', '3', 'del', '4', '5', '6', '+', '7', '8', '9', '0'], { field: 'phone', min: 6, max: 16, label: w.page.sendCode })}`;
    case 'registerCode':
      return codeEntry(w, w.page.registerCodeHint(view.phoneMasked), view.wrongCode);
    case 'enterName':
      return html`<h1>${w.page.nameTitle}</h1>
        <p class="hint">${w.page.nameHint}</p>
        <output id="entry" class="entry name" data-min="1" data-max="60" aria-live="polite"></output>
        ${keyboard(p.lang === 'ru' ? [RUSSIAN, LATIN] : [LATIN, RUSSIAN], w.page.otherAlphabet)}
        <label class="consent"><input type="checkbox" id="marketing"> ${w.page.marketing}</label>
        <p class="terms">${w.page.terms}</p>
        <button class="ok" data-action="name" data-field="name" data-consent="yes">${w.page.continue}</button>`;
    case 'linkToAccount':
      return html`<h1>${w.page.linkTitle}</h1>
        <p class="hint">${w.page.linkHint}</p>
        <button class="ok" data-action="link">${w.page.linkCard}</button>`;
    case 'registering':
      return html`<p class="busy">${w.page.redeeming}</p>`;
    case 'coupon':
      return html`<h1>${w.page.couponTitle}</h1>
        <p class="reward" data-field="reward">${view.coupon.reward ?? w.page.pointsOff(formatMoney(view.coupon.value, p.lang))}</p>
        ${view.coupon.value.amount > 0 ? html`<p data-field="worth">${w.page.couponWorth(formatMoney(view.coupon.value, p.lang))}</p>` : ''}
        <p class="coupon-code"><span>${w.page.couponCode}</span> <strong data-field="coupon-code">${view.coupon.code}</strong></p>
        <p data-field="valid-until">${w.page.validUntil(formatDay(view.coupon.expiresAt, p.lang, p.timeZone))}</p>
        <p class="status" data-field="coupon-status">${view.printed ? w.page.couponPrinted : p.printerWarning ? w.page.couponNotPrinted : w.page.couponPrinting}</p>
        <p class="balance"><span>${w.page.newBalance}</span> <strong data-field="balance">${view.member.balance}</strong> ${w.page.points(view.member.balance)}</p>
        <button class="back" data-action="back">${w.page.back}</button>`;
    case 'collecting':
      return html`${memberCard(view.member, p, w)}
        <p class="busy">${view.estimate === null ? w.page.collecting : w.page.estimate(view.estimate)}</p>`;
    case 'earned':
      return html`<h1 class="earned">${w.page.earned(view.pointsEarned)}</h1>
        <p class="balance"><span>${w.page.newBalance}</span> <strong data-field="balance">${view.member.balance}</strong> ${w.page.points(view.member.balance)}</p>
        <button class="back" data-action="back">${w.page.back}</button>`;
    case 'earnPending':
      return html`<h1>${w.page.pendingTitle}</h1>
        <p class="hint">${w.page.pendingHint}</p>`;
    case 'notice': {
      const notice = w.notice[view.notice];
      return html`<h1>${notice.title}</h1>
        ${notice.hint ? html`<p class="hint">${notice.hint}</p>` : ''}
        ${view.detail ? html`<p class="detail">${view.detail}</p>` : ''}`;
    }
    case 'outOfService':
      return html`<h1>${w.page.outOfService}</h1>
        <p class="hint">${w.page.outOfServiceHint}</p>`;
    case 'staff':
      return staffContent(view, p.lang);
    case 'notPaired':
      return html`<h1>${w.page.notPaired}</h1>
        <p class="hint">${w.page.notPairedHint}</p>`;
  }
}

function memberCard(m: MemberView, p: Presentation, w: Words): Fragment {
  const lang = p.lang;
  return html`<section class="member">
    <h1>${w.page.hello(m.name)}</h1>
    <p class="balance"><strong data-field="balance">${m.balance}</strong> ${w.page.points(m.balance)}</p>
    ${m.asOf ? html`<p class="detail" data-field="asOf">${w.page.asOf(m.asOf)}</p>` : ''}
    ${m.personalOffers.map((o) => html`<p class="personal" data-field="personal-offer">${w.page.personalOffer(o.name, o.until ? formatOfferEnd(o.until, lang) : null)}</p>`)}
    <dl>
      ${m.tier ? html`<dt>${w.page.tier}</dt><dd data-field="tier">${m.tier}</dd>` : ''}
      ${m.wallet ? html`<dt>${w.page.wallet}</dt><dd data-field="wallet">${formatMoney(m.wallet, lang)}</dd>` : ''}
    </dl>
    ${m.registered ? html`<p class="registered" data-field="registered">${m.registered.addedToAccount ? w.page.addedToAccount : w.page.registeredWelcome(m.registered.welcomeBonus)}</p>` : ''}
    ${m.nextTier ? html`<p data-field="next-tier">${w.page.toNextTier(formatMoney(m.nextTier.spendNeeded, lang), m.nextTier.name)}</p>` : ''}
    ${m.nextExpiry ? html`<p class="expiring" data-field="expiring">${w.page.expiring(m.nextExpiry.points, formatDay(lastDayInstant(m.nextExpiry.expiresAt, p.timeZone), lang, p.timeZone))}</p>` : ''}
    ${m.memberships.map((ms) => html`<p data-field="membership">${w.page.member(ms.name, ms.validUntil ? formatDay(ms.validUntil, lang, p.timeZone) : null)}</p>`)}
    <p class="card">${w.page.card} ${m.cardMasked}</p>
  </section>`;
}

/** The SMS code's screen: where it was sent, and "wrong code" after a wrong one. */
function codeEntry(w: Words, hint: string, wrongCode: boolean): Fragment {
  return html`<h1>${w.page.codeTitle}</h1>
    <p class="hint">${hint}</p>
    ${wrongCode ? html`<p class="problem" role="alert">${w.page.wrongCode}</p>` : ''}
    ${keypad(['1', '2', '3', 'del', '4', '5', '6', '0', '7', '8', '9'], { field: 'code', min: 4, max: 8, label: w.page.confirm })}`;
}
