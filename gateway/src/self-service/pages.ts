/**
 * The bodies of the customers' pages (docs/self-service.md): sign-in, points, the card, the
 * history and the customer's details. Dates are shown in the time zone of a store that runs the
 * customer's program; numbers and money in the page's language.
 */
import { lastDayInstant, maskCardNumber, type Money } from '@loyalty/protocol';
import { html, raw } from 'hono/html';
import type { StatementItem } from '../ledger/core.js';
import { maskPhone } from '../members/phone.js';
import type { AccountView, CardSummary } from './account.js';
import { code128Svg, qrSvg } from './barcodes.js';
import { csrfField, notice, type Fragment, type MyContext } from './layout.js';

export function formatDate(ctx: MyContext, iso: string): string {
  return new Intl.DateTimeFormat(ctx.words.locale, { dateStyle: 'medium', timeZone: ctx.timeZone }).format(new Date(iso));
}

function formatDateTime(ctx: MyContext, iso: string): string {
  return new Intl.DateTimeFormat(ctx.words.locale, { dateStyle: 'short', timeStyle: 'short', timeZone: ctx.timeZone }).format(new Date(iso));
}

export function formatPoints(ctx: MyContext, points: number): string {
  return new Intl.NumberFormat(ctx.words.locale).format(points);
}

export function formatMoneyFor(ctx: MyContext, money: Money): string {
  const amount = (money.amount / 100).toFixed(2);
  return `${ctx.lang === 'ru' ? amount.replace('.', ',') : amount} ${money.currency}`;
}

export function signInBody(ctx: MyContext, state: { step: 'phone' | 'code'; signInId?: string; phoneMasked?: string; phone?: string; problem?: string | null }): Fragment {
  const w = ctx.words.signIn;
  if (state.step === 'code') {
    return html`<h1>${w.title}</h1>
      <p class="notice ok" role="status">${w.codeSent(state.phoneMasked ?? '')}</p>
      ${notice('error', state.problem)}
      <form method="post" action="/my/sign-in" class="box">
        <input type="hidden" name="signInId" value="${state.signInId ?? ''}">
        <label for="code">${w.code}</label>
        <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
        <button type="submit">${w.confirm}</button>
      </form>
      <p class="muted">${w.noCode}</p>
      <p><a href="/my/sign-in">${w.otherNumber}</a></p>`;
  }
  return html`<h1>${w.title}</h1>
    <p>${w.intro}</p>
    ${notice('error', state.problem)}
    <form method="post" action="/my/sign-in/code" class="box">
      <label for="phone">${w.phone}</label>
      <input type="tel" id="phone" name="phone" autocomplete="tel" inputmode="tel" maxlength="40" required value="${state.phone ?? ''}" aria-describedby="phone-hint">
      <p id="phone-hint" class="muted">${w.phoneHint}</p>
      <button type="submit">${w.sendCode}</button>
    </form>`;
}

function cardBox(ctx: MyContext, card: CardSummary): Fragment {
  const w = ctx.words.account;
  return html`<section class="box" data-card="${maskCardNumber(card.number)}">
    <h2>${card.programName} · ${w.card(maskCardNumber(card.number))}</h2>
    ${card.status === 'blocked' ? notice('error', w.blocked) : ''}
    <p class="balance" data-field="balance">${w.points(formatPoints(ctx, card.balance), card.balance)}</p>
    ${card.tier ? html`<p data-field="tier">${w.tier}: <strong>${card.tier}</strong></p>` : ''}
    ${card.nextTier ? html`<p data-field="next-tier">${w.nextTier(formatMoneyFor(ctx, card.nextTier.spendNeeded), card.nextTier.name)}</p>` : card.tier ? html`<p>${w.topTier}</p>` : ''}
    <p data-field="expiry">${card.nextExpiry ? w.expiring(formatPoints(ctx, card.nextExpiry.points), formatDate(ctx, lastDayInstant(card.nextExpiry.expiresAt, ctx.timeZone)), card.nextExpiry.points) : w.noExpiry}</p>
    ${card.wallets.map((m) => html`<p data-field="wallet">${w.wallet}: <strong>${formatMoneyFor(ctx, m)}</strong></p>`)}
  </section>`;
}

export function accountBody(ctx: MyContext, account: AccountView, message: { kind: 'ok' | 'error'; text: string } | null): Fragment {
  const w = ctx.words.account;
  const active = account.cards.filter((c) => c.status === 'active');
  return html`<h1>${w.hello(account.customer.name ?? '')}</h1>
    ${message ? notice(message.kind, message.text) : ''}
    ${account.cards.filter((c) => c.status !== 'unlinked').map((card) => cardBox(ctx, card))}
    ${
      active.length
        ? html`<p><a class="button" href="/my/card">${w.showCard}</a></p>`
        : html`<section class="box"><p>${w.noCard}</p><p class="muted">${w.getCardHint}</p>
            <form method="post" action="/my/digital-card">${csrfField(ctx)}<button type="submit">${w.getCard}</button></form></section>`
    }
    <h2>${w.coupons}</h2>
    ${
      account.coupons.length
        ? html`<ul class="plain" data-field="coupons">${account.coupons.map(
            (c) => html`<li data-coupon="${c.code}"><strong>${c.rewardName ?? w.couponWorth(formatMoneyFor(ctx, c.value))}</strong>
              <span class="muted">${w.validUntil(formatDate(ctx, c.expiresAt))}</span>
              <div class="barcode" role="img" aria-label="${c.code}">${raw(code128Svg(c.code))}</div>
              <div class="cardnumber">${c.code}</div></li>`,
          )}</ul>`
        : html`<p class="muted">${w.noCoupons}</p>`
    }
    <h2>${w.memberships}</h2>
    ${
      account.memberships.length
        ? html`<ul class="plain" data-field="memberships">${account.memberships.map((m) => html`<li>${m.name} · ${m.validUntil ? w.until(formatDate(ctx, m.validUntil)) : w.forever}</li>`)}</ul>`
        : html`<p class="muted">${w.noMemberships}</p>`
    }`;
}

/** The card itself, as the till and the kiosk scan it: its number as a Code128 and as a QR code. */
export function cardViewBody(ctx: MyContext, card: { number: string; name: string | null } | null): Fragment {
  const w = ctx.words.card;
  if (!card) return html`<h1>${w.title}</h1><p>${w.none}</p><p><a href="/my">${ctx.words.nav.account}</a></p>`;
  return html`<h1>${w.title}</h1>
    <section class="box" data-field="digital-card">
      ${card.name ? html`<p><strong>${card.name}</strong></p>` : ''}
      <div class="barcode" role="img" aria-label="${w.barcode(card.number)}">${raw(code128Svg(card.number))}</div>
      <p class="cardnumber" data-field="card-number">${card.number}</p>
      <div class="qr" role="img" aria-label="${w.qr(card.number)}">${raw(qrSvg(card.number))}</div>
      <p class="muted">${w.hint}</p>
    </section>
    <p class="muted">${w.install}</p>`;
}

export function statementBody(ctx: MyContext, card: { number: string } | null, page: { items: StatementItem[]; nextCursor: string | null }, first: boolean): Fragment {
  const w = ctx.words.statement;
  if (!card) return html`<h1>${w.title}</h1><p>${w.empty}</p>`;
  return html`<h1>${w.title}</h1>
    <p class="muted">${ctx.words.account.card(maskCardNumber(card.number))}</p>
    ${
      page.items.length
        ? html`<table data-field="statement">
            <thead><tr><th scope="col">${w.when}</th><th scope="col">${w.what}</th><th scope="col" class="num">${w.points}</th><th scope="col" class="num">${w.balance}</th></tr></thead>
            <tbody>${page.items.map(
              (i) => html`<tr><td>${formatDateTime(ctx, i.at)}</td><td>${w.kinds[i.kind] ?? w.other}</td>
                <td class="num ${i.points >= 0 ? 'plus' : 'minus'}">${i.points > 0 ? '+' : ''}${formatPoints(ctx, i.points)}</td><td class="num">${formatPoints(ctx, i.balance)}</td></tr>`,
            )}</tbody></table>`
        : html`<p>${w.empty}</p>`
    }
    <div class="pager">
      ${first ? html`<span></span>` : html`<a href="/my/statement">${w.newest}</a>`}
      ${page.nextCursor ? html`<a href="/my/statement?before=${page.nextCursor}" rel="next">${w.older}</a>` : ''}
    </div>`;
}

export function profileBody(ctx: MyContext, account: AccountView, message: { kind: 'ok' | 'error'; text: string } | null): Fragment {
  const w = ctx.words.profile;
  const c = account.customer;
  return html`<h1>${w.title}</h1>
    ${message ? notice(message.kind, message.text) : ''}
    <form method="post" action="/my/profile" class="box">
      ${csrfField(ctx)}
      <label for="name">${w.name}</label>
      <input type="text" id="name" name="name" maxlength="200" required autocomplete="name" value="${c.name ?? ''}">
      <label for="birthday">${w.birthday}</label>
      <input type="date" id="birthday" name="birthday" value="${c.birthday ?? ''}" aria-describedby="birthday-hint" ${c.birthday ? raw('readonly') : ''}>
      <p id="birthday-hint" class="muted">${c.birthday ? w.birthdayFixed : w.birthdayHint}</p>
      <p>${w.phone}: ${c.phone ? maskPhone(c.phone) : ''}</p>
      <label class="check"><input type="checkbox" name="marketingConsent" value="yes" ${c.marketingConsent ? raw('checked') : ''}> <span>${w.consent}</span></label>
      ${c.marketingConsent && c.marketingConsentAt ? html`<p class="muted" data-field="consent-since">${w.consentSince(formatDate(ctx, c.marketingConsentAt))}</p>` : ''}
      <button type="submit">${w.save}</button>
    </form>
    <h2>${w.data}</h2>
    <section class="box">
      <p>${w.exportHint}</p>
      <a class="button" href="/my/export" download>${w.export}</a>
    </section>
    <section class="box">
      ${
        account.erasureRequestedAt
          ? html`<p role="status" data-field="erasure-queued">${w.erasureQueued(formatDate(ctx, account.erasureRequestedAt))}</p>`
          : html`${account.erasureDeclined ? html`<p class="notice error" data-field="erasure-declined">${w.erasureDeclined(formatDate(ctx, account.erasureDeclined.at), account.erasureDeclined.note)}</p>` : ''}
            <p>${w.erasureHint}</p>
            <form method="post" action="/my/erasure">
              ${csrfField(ctx)}
              <label class="check"><input type="checkbox" name="confirm" value="yes" required> <span>${w.erasureConfirm}</span></label>
              <button type="submit" class="danger">${w.erasure}</button>
            </form>`
      }
    </section>`;
}
