/**
 * Staff mode on the touchscreen page (docs/staff.md): the menu with the last action's result, and
 * one screen per step. Buttons post `staff*` actions (ui/page-server.ts checks them); the words
 * are ui/staff-text.ts's, in the journey's language.
 */
import { html } from 'hono/html';
import { keyboard, keypad, LATIN, RUSSIAN } from './keypad.js';
import { STAFF_WORDS, type StaffWords } from './staff-text.js';
import { STAFF_ACTIONS, type Lang, type StaffMessage, type View } from './view.js';

type StaffView = Extract<View, { screen: 'staff' }>;

const DIGITS = ['1', '2', '3', 'del', '4', '5', '6', '0', '7', '8', '9'];

/** Results that did what was asked, in green; refusals and problems in red. */
const GOOD: ReadonlyArray<StaffMessage['kind']> = ['blocked', 'replaced', 'adjusted', 'issued', 'printed', 'blockPending', 'pending'];

export function staffContent(view: StaffView, lang: Lang) {
  const w = STAFF_WORDS[lang];
  const badge = html`<p class="staff-badge" data-field="staff">${w.title} · ${view.staff.name} · ${w.role[view.staff.role]}</p>`;
  return html`${badge}${step(view, w, lang)}`;
}

function step(view: StaffView, w: StaffWords, lang: Lang) {
  const s = view.step;
  const back = html`<button class="back" data-action="back">${w.back}</button>`;
  switch (s.kind) {
    case 'menu':
      return html`${view.message ? html`<p class="staff-message ${GOOD.includes(view.message.kind) ? 'good' : 'bad'}" role="status" data-field="staff-message">${w.message(view.message)}</p>` : ''}
        <div class="staff-menu">
          ${STAFF_ACTIONS.map((a) => html`<button class="staff-action${a === 'exit' ? ' exit' : ''}" data-action="staff" data-value="${a}">${w.action[a]}</button>`)}
        </div>`;
    case 'tapCard':
      return html`<h1>${w.tapCard[s.purpose]}</h1>
        ${
          s.purpose === 'block' || s.purpose === 'adjust'
            ? html`<p class="hint">${w.orTypeNumber}</p>
              ${keypad(DIGITS, { field: 'staffNumber', min: 5, max: 19, label: w.useNumber })}`
            : ''
        }
        ${back}`;
    case 'oldCard':
      return html`<h1>${w.oldCardTitle}</h1>
        <p class="hint">${w.oldCardHint}</p>
        ${s.invalid ? html`<p class="problem" role="alert">${w.invalidNumber}</p>` : ''}
        ${keypad(DIGITS, { field: 'staffNumber', min: 5, max: 19, label: w.useNumber })}
        <div class="row"><button data-action="staffFind">${w.findByPhone}</button>${back}</div>`;
    case 'findPhone':
      return html`<h1>${w.phoneTitle}</h1>
        <p class="hint">${w.phoneHint}</p>
        ${s.invalid ? html`<p class="problem" role="alert">${w.phoneInvalid}</p>` : ''}
        ${keypad(['1', '2', '3', 'del', '4', '5', '6', '+', '7', '8', '9', '0'], { field: 'staffPhone', min: 6, max: 16, label: w.sendCode })}
        ${back}`;
    case 'findCode':
      return html`<h1>${w.codeTitle}</h1>
        <p class="hint">${w.codeHint(s.phoneMasked)}</p>
        ${s.wrongCode ? html`<p class="problem" role="alert">${w.wrongCode}</p>` : ''}
        ${keypad(DIGITS, { field: 'staffCode', min: 4, max: 8, label: w.confirm })}
        ${back}`;
    case 'pickCard':
      return html`<h1>${w.pickTitle}</h1>
        <div class="staff-menu">
          ${s.cards.map(
            (c) => html`<button class="staff-action" data-action="staffPick" data-value="${c.number}" ${c.status === 'active' ? '' : 'disabled'}>${w.cardLine(c.masked, c.balance)}</button>`,
          )}
        </div>
        ${back}`;
    case 'reason':
      return html`<h1>${w.reasonTitle(s.purpose, s.cardMasked)}</h1>
        <div class="staff-menu">
          ${s.reasons.map((r) => html`<button class="staff-action" data-action="staffReason" data-value="${r}">${w.reasons[r] ?? r}</button>`)}
        </div>
        ${back}`;
    case 'note':
      return html`<h1>${w.noteTitle}</h1>
        <p class="hint">${w.noteHint}</p>
        <output id="entry" class="entry name" data-min="3" data-max="200" aria-live="polite"></output>
        ${keyboard(lang === 'ru' ? [RUSSIAN, LATIN] : [LATIN, RUSSIAN], w.otherAlphabet)}
        <div class="row"><button class="ok" data-action="staffNote" data-field="staffNote">${w.next}</button>${back}</div>`;
    case 'points':
      return html`<h1>${w.pointsTitle(s.cardMasked)}</h1>
        ${keypad(DIGITS, {
          field: 'staffPoints',
          min: 1,
          max: 7,
          label: w.add,
          extra: html`<button class="ok half" data-action="staffPoints" data-field="staffPoints" data-value="+">${w.add}</button>
            <button class="ok half minus" data-action="staffPoints" data-field="staffPoints" data-value="-">${w.remove}</button>`,
        })}
        ${back}`;
    case 'confirmTap':
      return html`<h1 data-field="confirm">${w.confirmTap(s.points, s.cardMasked)}</h1>
        <p class="hint">${w.confirmTapHint}</p>
        ${back}`;
    case 'working':
      return html`<p class="busy">${w.working}</p>`;
  }
}
