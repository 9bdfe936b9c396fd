/**
 * The console's programs (docs/console.md, docs/programs.md): the list with versions, and one
 * program with its rollout per store (the canary view), its document in an editor that lists the
 * gateway's field errors, publishing to chosen stores, a store's rollback, and a what-if quote.
 */
import { html } from 'hono/html';
import type { StoreView } from '../ledger/directory.js';
import type { ProgramService } from '../programs/program-service.js';
import { csrfField, flash, time, type Fragment, type PageContext } from './layout.js';

export interface ProgramRow {
  id: string;
  name: string;
  kind: string | null;
  currentVersion: number | null;
  draftVersion: number | null;
}

export function programsBody(ctx: PageContext, programs: ProgramRow[]): Fragment {
  const w = ctx.words.programs;
  return html`<h1>${w.title}</h1>
    ${
      programs.length
        ? html`<table>
          <thead><tr><th scope="col">${w.program}</th><th scope="col">${w.name}</th><th scope="col">${w.kind}</th><th scope="col" class="num">${w.current}</th><th scope="col" class="num">${w.draft}</th></tr></thead>
          <tbody>${programs.map(
            (p) =>
              html`<tr data-program="${p.id}"><th scope="row"><a href="/admin/programs/${p.id}">${p.id}</a></th><td>${p.name}</td><td>${p.kind ?? '–'}</td><td class="num">${p.currentVersion ?? '–'}</td><td class="num">${p.draftVersion ?? '–'}</td></tr>`,
          )}</tbody>
        </table>`
        : html`<p>${w.none}</p>`
    }`;
}

/** A program as the program service reads it: versions and the rollout per store. */
export type ProgramDetailView = Awaited<ReturnType<ProgramService['get']>>;

export interface QuoteResult {
  pointsEarned: number;
  discount: number;
  payable: number;
  currency: string;
  lines: Array<{ rule: string; text: string; points?: number; amount?: number }>;
}

export interface ProgramPageData {
  program: ProgramDetailView;
  stores: StoreView[];
  message?: { kind: 'ok' | 'error'; text: string };
  /** the editor's text after a refused save, with the gateway's errors by field */
  draft?: { text: string; errors: Array<{ field: string; message: string }> };
  whatIf?: { input: Record<string, string>; result?: QuoteResult; error?: string };
}

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency}`;

export function programBody(ctx: PageContext, data: ProgramPageData): Fragment {
  const w = ctx.words.programs;
  const { program } = data;
  const admin = ctx.role === 'admin';
  const newest = program.draft ?? program.current;
  const currency = String((newest?.document as { currency?: string } | undefined)?.currency ?? 'EUR');
  return html`<p><a href="/admin/programs">← ${w.back}</a></p>
    <h1>${program.name} <small>(${program.id}${program.kind ? `, ${program.kind}` : ''})</small></h1>
    ${flash(data.message?.kind ?? 'ok', data.message?.text)}
    <p>${w.currentIs(program.current?.version ?? null)} ${program.draft ? w.draftIs(program.draft.version) : ''}</p>

    <h2 id="rollout">${w.rollout}</h2>
    ${
      program.stores.length
        ? html`<table aria-labelledby="rollout">
          <thead><tr><th scope="col">${ctx.words.fleet.store}</th><th scope="col" class="num">${w.version}</th><th scope="col" class="num">${w.bundle}</th><th scope="col" class="num">${w.kiosksOnBundle}</th>
            <th scope="col" class="num">${w.earns}</th><th scope="col" class="num">${w.redemptions}</th><th scope="col" class="num">${w.refusals}</th><th scope="col" class="num">${ctx.words.fleet.alarms}</th>${admin ? html`<th scope="col"></th>` : ''}</tr></thead>
          <tbody>${program.stores.map(
            (s) => html`<tr data-store="${s.storeId}"><th scope="row">${s.storeId}</th><td class="num" data-field="version">${s.version}</td><td class="num">${s.bundleVersion ?? '–'}</td>
              <td class="num">${s.kiosksOnBundle} / ${s.kiosks}</td><td class="num">${s.lastHour.earns}</td><td class="num">${s.lastHour.redemptions}</td>
              <td class="num${s.lastHour.refusals ? ' health-down' : ''}">${s.lastHour.refusals}</td><td class="num${s.activeAlarms ? ' health-down' : ''}">${s.activeAlarms}</td>
              ${
                admin
                  ? html`<td><form method="post" action="/admin/programs/${program.id}/rollback" class="inline">${csrfField(ctx)}<input type="hidden" name="storeId" value="${s.storeId}"><button type="submit">${w.rollback}</button></form></td>`
                  : ''
              }</tr>`,
          )}</tbody>
        </table>
        <p class="hint">${w.rolloutHint}</p>`
        : html`<p>${w.notPublished}</p>`
    }

    ${
      admin && newest
        ? html`<form method="post" action="/admin/programs/${program.id}/publish" class="card">
          ${csrfField(ctx)}
          <h2>${w.publish}</h2>
          <label>${w.version}
            <select name="version">${Array.from({ length: newest.version }, (_, i) => newest.version - i).map((v) => html`<option value="${v}">${v}</option>`)}</select>
          </label>
          <fieldset><legend>${w.toStores}</legend>
            ${data.stores.map((s) => html`<label><input type="checkbox" name="stores" value="${s.id}"> ${s.name} (${s.id})</label>`)}
            <p class="hint">${w.noStoreMeansAll}</p>
          </fieldset>
          <button type="submit">${w.publish}</button>
        </form>`
        : ''
    }

    <h2 id="document">${w.document(newest?.version ?? null)}</h2>
    ${
      admin
        ? html`<form method="post" action="/admin/programs/${program.id}" class="card">
          ${csrfField(ctx)}
          ${data.draft?.errors.length ? html`<ul class="errors" id="document-errors" role="alert">${data.draft.errors.map((e) => html`<li><code>${e.field}</code>: ${e.message}</li>`)}</ul>` : ''}
          <label for="program-document">${w.editHint}</label>
          <textarea id="program-document" name="document" spellcheck="false" rows="18" ${data.draft?.errors.length ? 'aria-describedby="document-errors" aria-invalid="true"' : ''}>${data.draft?.text ?? JSON.stringify(newest?.document ?? {}, null, 2)}</textarea>
          <button type="submit">${w.saveDraft}</button>
        </form>`
        : html`<pre>${JSON.stringify(newest?.document ?? {}, null, 2)}</pre>`
    }

    ${admin ? whatIfForm(ctx, data, currency) : ''}
    ${data.whatIf?.error ? flash('error', data.whatIf.error) : ''}
    ${data.whatIf?.result ? quoteTable(ctx, data.whatIf.result) : ''}
    ${program.current?.publishedAt ? html`<p class="hint">${w.publishedAt} ${time(program.current.publishedAt, '')}</p>` : ''}`;
}

/** A quote for a described member (admin: the API allows it to admins only). */
function whatIfForm(ctx: PageContext, data: ProgramPageData, currency: string): Fragment {
  const w = ctx.words.programs;
  const input = data.whatIf?.input ?? {};
  return html`<h2 id="what-if">${w.whatIf}</h2>
    <form method="post" action="/admin/programs/${data.program.id}/quote" class="card">
      ${csrfField(ctx)}
      <p class="hint">${w.whatIfHint}</p>
      <label>${ctx.words.fleet.store} <select name="storeId">${data.stores.map((s) => html`<option value="${s.id}" ${s.id === input.storeId ? 'selected' : ''}>${s.id}</option>`)}</select></label>
      <label>${w.currency} <input name="currency" value="${input.currency ?? currency}" size="4" pattern="[A-Z]{3}"></label>
      <label>${w.at} <input type="datetime-local" name="at" value="${input.at ?? ''}"></label>
      <label for="items">${w.items}</label>
      <textarea id="items" name="items" rows="4">${input.items ?? 'MILK,dairy,2,199\nBREAD,bakery,1,349'}</textarea>
      <label>${w.availablePoints} <input name="availablePoints" inputmode="numeric" value="${input.availablePoints ?? '0'}" size="8"></label>
      <label>${w.tier} <input name="tier" value="${input.tier ?? ''}" size="10"></label>
      <label>${w.qualifyingSpend} <input name="qualifyingSpend" inputmode="numeric" value="${input.qualifyingSpend ?? '0'}" size="10"></label>
      <label>${w.purchases} <input name="purchases" inputmode="numeric" value="${input.purchases ?? '1'}" size="5"></label>
      <label>${w.birthday} <input type="date" name="birthday" value="${input.birthday ?? ''}"></label>
      <button type="submit">${w.quote}</button>
    </form>`;
}

function quoteTable(ctx: PageContext, q: QuoteResult): Fragment {
  const w = ctx.words.programs;
  return html`<section class="card" aria-labelledby="quote-result">
    <h2 id="quote-result">${w.result}</h2>
    <dl class="facts">
      <dt>${w.pointsEarned}</dt><dd data-field="points-earned">${q.pointsEarned}</dd>
      <dt>${w.discount}</dt><dd>${money(q.discount, q.currency)}</dd>
      <dt>${w.payable}</dt><dd>${money(q.payable, q.currency)}</dd>
    </dl>
    <table><thead><tr><th scope="col">${w.rule}</th><th scope="col">${w.explanation}</th><th scope="col" class="num">${ctx.words.reports.points}</th><th scope="col" class="num">${w.amount}</th></tr></thead>
      <tbody>${q.lines.map((l) => html`<tr><td><code>${l.rule}</code></td><td>${l.text}</td><td class="num">${l.points ?? ''}</td><td class="num">${l.amount === undefined ? '' : money(l.amount, q.currency)}</td></tr>`)}</tbody>
    </table>
  </section>`;
}
