/**
 * The console's customers and cards (docs/console.md): search by card number, whole phone number
 * or customer id; a card with its balance, lots, wallet, statement (paged), life and audit
 * entries, and (admin) block, replace and adjust; a customer with personal data hidden until an
 * admin asks, which the audit log records; numbered card batches for a print shop as CSV.
 */
import { html } from 'hono/html';
import type { AuditRecord } from '../audit/audit-log.js';
import type { CustomerView } from '../members/customer-service.js';
import type { DataRequest } from '../self-service/data-requests.js';
import { maskPhone } from '../members/phone.js';
import { csrfField, flash, time, type Fragment, type PageContext } from './layout.js';

export type SearchKind = 'card' | 'phone' | 'customer';

export function searchBody(
  ctx: PageContext,
  search: { kind: SearchKind; query: string; none: boolean },
  programs: string[],
  requests: DataRequest[],
  message?: { kind: 'ok' | 'error'; text: string },
): Fragment {
  const w = ctx.words.cards;
  return html`<h1>${w.title}</h1>
    ${flash(message?.kind ?? 'ok', message?.text)}
    <form method="get" action="/admin/cards" class="card" role="search">
      <label>${w.by}
        <select name="by">
          ${(['card', 'phone', 'customer'] as const).map((k) => html`<option value="${k}" ${k === search.kind ? 'selected' : ''}>${k === 'card' ? w.byCard : k === 'phone' ? w.byPhone : w.byCustomer}</option>`)}
        </select>
      </label>
      <label>${w.query} <input name="q" value="${search.query}" required maxlength="64" autocomplete="off"></label>
      <button type="submit">${w.search}</button>
    </form>
    ${search.none ? html`<p role="status">${w.noMatch}</p>` : ''}
    ${requests.length ? requestsSection(ctx, requests) : ''}
    ${
      ctx.role === 'admin'
        ? html`<form method="post" action="/admin/cards/batches" class="card">
          ${csrfField(ctx)}
          <h2>${w.batch}</h2>
          <p class="hint">${w.batchHint}</p>
          <label>${w.program} <select name="programId">${programs.map((p) => html`<option value="${p}">${p}</option>`)}</select></label>
          <label>${w.count} <input name="count" type="number" min="1" max="10000" value="100" required></label>
          <button type="submit">${w.makeBatch}</button>
        </form>`
        : ''
    }`;
}

/** Queued erasures from the customers' page; an admin carries one out or declines it with a reason. */
function requestsSection(ctx: PageContext, requests: DataRequest[]): Fragment {
  const w = ctx.words.cards;
  return html`<section class="card" data-field="data-requests">
    <h2>${w.requests}</h2>
    <p class="hint">${w.requestsHint}</p>
    <table>
      <thead><tr><th scope="col">${w.asked}</th><th scope="col">${w.customer}</th>${ctx.role === 'admin' ? html`<th scope="col"></th>` : ''}</tr></thead>
      <tbody>${requests.map(
        (r) => html`<tr data-request="${r.id}"><td>${time(r.createdAt, r.createdAt)}</td><td><a href="/admin/customers/${r.customerId}">${r.customerId}</a></td>
          ${
            ctx.role === 'admin'
              ? html`<td><form method="post" action="/admin/data-requests/${r.id}/complete" class="inline">${csrfField(ctx)}<button type="submit" class="danger">${w.eraseNow}</button></form>
                <form method="post" action="/admin/data-requests/${r.id}/decline" class="inline">${csrfField(ctx)}
                  <label>${w.declineNote} <input name="note" required minlength="3" maxlength="500"></label><button type="submit">${w.decline}</button></form></td>`
              : ''
          }</tr>`,
      )}</tbody>
    </table>
  </section>`;
}

export interface CardPageData {
  card: { number: string; uid: string | null; status: string; customerId: string | null; programId: string; balance: number; available: number; held: number; tier: string | null };
  lots: Array<{ points: number; expiresAt: string | null }>;
  wallet: { amount: number; currency: string } | null;
  statement: { items: Array<{ at: string; kind: string; points: number; balance: number; ref: string }>; nextCursor: string | null; cursor: string | null };
  events: Array<{ kind: string; actor: string; at: string }>;
  audit: AuditRecord[];
  message?: { kind: 'ok' | 'error'; text: string };
}

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency}`;

export function cardBody(ctx: PageContext, data: CardPageData): Fragment {
  const w = ctx.words.cards;
  const { card } = data;
  const admin = ctx.role === 'admin' && card.status !== 'blocked';
  return html`<p><a href="/admin/cards">← ${w.title}</a></p>
    <h1>${w.card(card.number)}</h1>
    ${flash(data.message?.kind ?? 'ok', data.message?.text)}
    <dl class="facts">
      <dt>${w.status}</dt><dd data-field="status">${w.statuses[card.status] ?? card.status}</dd>
      <dt>${w.customer}</dt><dd>${card.customerId ? html`<a href="/admin/customers/${card.customerId}">${card.customerId}</a>` : '–'}</dd>
      <dt>${w.program}</dt><dd>${card.programId}</dd>
      <dt>NFC UID</dt><dd>${card.uid ?? '–'}</dd>
      <dt>${w.balance}</dt><dd data-field="balance">${card.balance}</dd>
      <dt>${w.available}</dt><dd>${card.available}${card.held ? ` (${w.held}: ${card.held})` : ''}</dd>
      <dt>${w.tier}</dt><dd>${card.tier ?? '–'}</dd>
      ${data.wallet ? html`<dt>${w.wallet}</dt><dd>${money(data.wallet.amount, data.wallet.currency)}</dd>` : ''}
    </dl>
    <h2 id="lots">${w.lots}</h2>
    ${
      data.lots.length
        ? html`<table aria-labelledby="lots"><thead><tr><th scope="col" class="num">${w.points}</th><th scope="col">${w.expires}</th></tr></thead>
          <tbody>${data.lots.map((l) => html`<tr><td class="num">${l.points}</td><td>${time(l.expiresAt, w.never)}</td></tr>`)}</tbody></table>`
        : html`<p>–</p>`
    }
    ${admin ? actions(ctx, card.number) : ''}
    <h2 id="statement">${w.statement}</h2>
    ${
      data.statement.items.length
        ? html`<table aria-labelledby="statement"><thead><tr><th scope="col">${w.when}</th><th scope="col">${w.what}</th><th scope="col" class="num">${w.points}</th><th scope="col" class="num">${w.after}</th></tr></thead>
          <tbody>${data.statement.items.map((i) => html`<tr><td>${time(i.at, '')}</td><td>${ctx.words.movementNames[i.kind] ?? i.kind}</td><td class="num">${i.points > 0 ? `+${i.points}` : i.points}</td><td class="num">${i.balance}</td></tr>`)}</tbody></table>
          <p>${data.statement.cursor ? html`<a href="/admin/cards/${card.number}">${w.newest}</a> ` : ''}${data.statement.nextCursor ? html`<a href="/admin/cards/${card.number}?cursor=${data.statement.nextCursor}" rel="next">${w.older} →</a>` : ''}</p>`
        : html`<p>${w.noMovements}</p>`
    }
    <h2 id="events">${w.events}</h2>
    <ul>${data.events.map((e) => html`<li>${time(e.at, '')} · ${e.kind} · ${e.actor}</li>`)}</ul>
    <h2 id="audit">${w.audit}</h2>
    ${
      data.audit.length
        ? html`<table aria-labelledby="audit"><thead><tr><th scope="col">${w.when}</th><th scope="col">${w.actor}</th><th scope="col">${w.place}</th><th scope="col">${w.action}</th><th scope="col">${w.reason}</th></tr></thead>
          <tbody>${data.audit.map((a) => html`<tr data-audit="${a.action}"><td>${time(a.at, '')}</td><td>${a.actor} (${a.actorRole})</td><td>${a.place}</td><td>${a.action}</td><td>${a.reason ?? ''}</td></tr>`)}</tbody></table>`
        : html`<p>${w.noAudit}</p>`
    }`;
}

function actions(ctx: PageContext, number: string): Fragment {
  const w = ctx.words.cards;
  return html`<form method="post" action="/admin/cards/${number}/adjust" class="card">
      ${csrfField(ctx)}
      <h2>${w.adjust}</h2>
      <label>${w.adjustPoints} <input name="points" required pattern="[+-]?[0-9]{1,7}" size="8"></label>
      <label>${w.reason} <input name="reason" required minlength="3" maxlength="200"></label>
      <button type="submit">${w.adjust}</button>
    </form>
    <form method="post" action="/admin/cards/${number}/replace" class="card">
      ${csrfField(ctx)}
      <h2>${w.replace}</h2>
      <label>${w.newNumber} <input name="newNumber" pattern="[0-9]{5,19}" size="20"></label>
      <label>${w.newUid} <input name="newUid" pattern="[0-9A-Fa-f:]{8,29}" size="20"></label>
      <label>${w.reason} <input name="reason" required minlength="3" maxlength="200"></label>
      <button type="submit">${w.replace}</button>
    </form>
    <form method="post" action="/admin/cards/${number}/block" class="card">
      ${csrfField(ctx)}
      <h2>${w.block}</h2>
      <label>${w.blockReason} <input name="reason" required minlength="3" maxlength="200"></label>
      <button type="submit" class="danger">${w.block}</button>
    </form>`;
}

export interface CustomerPageData {
  customer: CustomerView;
  cards: Array<{ number: string; status: string; balance: number }>;
  /** the personal data is shown (an admin asked, and it was audited) */
  shown: boolean;
}

/** "Anna Karenina" → "A*** K***": enough to tell two customers apart on a phone call, not to read the name. */
function maskName(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => `${[...part][0]}***`)
    .join(' ');
}

export function customerBody(ctx: PageContext, data: CustomerPageData): Fragment {
  const w = ctx.words.cards;
  const c = data.customer;
  const show = (value: string | null, masked: (v: string) => string) => (value === null ? '–' : data.shown ? value : masked(value));
  return html`<p><a href="/admin/cards">← ${w.title}</a></p>
    <h1>${w.customer} <code>${c.id}</code></h1>
    ${data.shown ? flash('ok', w.shownAudited) : html`<p class="hint">${w.masked}</p>`}
    <dl class="facts">
      ${c.erased ? html`<dt>${w.erased}</dt><dd>${w.yes}</dd>` : ''}
      <dt>${w.name}</dt><dd data-field="name">${show(c.name, maskName)}</dd>
      <dt>${w.phone}</dt><dd data-field="phone">${show(c.phone, maskPhone)}</dd>
      <dt>${w.email}</dt><dd>${show(c.email, (e) => `${e[0]}***@${e.split('@')[1] ?? ''}`)}</dd>
      <dt>${w.birthday}</dt><dd>${show(c.birthday, () => '****-**-**')}</dd>
      <dt>${w.consent}</dt><dd>${c.marketingConsent ? w.yes : w.no}</dd>
    </dl>
    ${!data.shown && ctx.role === 'admin' && !c.erased ? html`<form method="post" action="/admin/customers/${c.id}/reveal">${csrfField(ctx)}<button type="submit">${w.show}</button></form>` : ''}
    <h2 id="customer-cards">${w.cardsOf}</h2>
    <table aria-labelledby="customer-cards"><thead><tr><th scope="col">${w.card('')}</th><th scope="col">${w.status}</th><th scope="col" class="num">${w.balance}</th></tr></thead>
      <tbody>${data.cards.map((k) => html`<tr><th scope="row"><a href="/admin/cards/${k.number}">${k.number}</a></th><td>${w.statuses[k.status] ?? k.status}</td><td class="num">${k.balance}</td></tr>`)}</tbody>
    </table>`;
}
