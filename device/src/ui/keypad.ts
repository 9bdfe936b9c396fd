/** The page's on-screen keys: a keypad for digits (and + for a phone), a keyboard for names and notes; typed into one entry field, sent by a button. */
import { html, raw } from 'hono/html';

export function keypad(keys: string[], entry: { field: string; min: number; max: number; label: string; extra?: ReturnType<typeof html> }) {
  return html`<output id="entry" class="entry" data-min="${entry.min}" data-max="${entry.max}" aria-live="polite"></output>
    <div class="keypad">
      ${keys.map((k) => html`<button data-key="${k}">${k === 'del' ? raw('&#9003;') : k}</button>`)}
      ${entry.extra ?? html`<button class="ok" data-action="${entry.field}" data-field="${entry.field}">${entry.label}</button>`}
    </div>`;
}

export const RUSSIAN = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ';
export const LATIN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Letters for a name: the language's alphabet first, the other a tap away (a Russian store has customers named in Latin). */
export function keyboard(alphabets: [string, string], switchLabel: string) {
  const [first, second] = alphabets;
  const keys = (letters: string) => [...letters].map((ch) => html`<button data-key="${ch}">${ch}</button>`);
  return html`<div class="keyboard">
    <div class="letters" data-alphabet="0">${keys(first)}</div>
    <div class="letters" data-alphabet="1" hidden>${keys(second)}</div>
    <div class="row">
      <button data-toggle="alphabet">${switchLabel}</button>
      <button data-key="-">-</button>
      <button class="space" data-key="space">␣</button>
      <button data-key="del">${raw('&#9003;')}</button>
    </div>
  </div>`;
}
