/** The page's on-screen keypad: digits (and + for a phone) typed into one entry field, sent by its button. */
import { html, raw } from 'hono/html';

export function keypad(keys: string[], entry: { field: string; min: number; max: number; label: string; extra?: ReturnType<typeof html> }) {
  return html`<output id="entry" class="entry" data-min="${entry.min}" data-max="${entry.max}" aria-live="polite"></output>
    <div class="keypad">
      ${keys.map((k) => html`<button data-key="${k}">${k === 'del' ? raw('&#9003;') : k}</button>`)}
      ${entry.extra ?? html`<button class="ok" data-action="${entry.field}" data-field="${entry.field}">${entry.label}</button>`}
    </div>`;
}
