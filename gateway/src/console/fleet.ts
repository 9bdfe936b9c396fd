/** The console's fleet pages: every kiosk at a glance, and one kiosk with its config and commands (docs/console.md). */
import { html } from 'hono/html';
import type { AlarmView } from '../fleet/alarms.js';
import type { CommandView } from '../fleet/commands.js';
import type { ConfigStatus } from '../fleet/kiosk-config.js';
import type { KioskView } from '../fleet/kiosk-registry.js';
import type { StoreView } from '../ledger/directory.js';
import { csrfField, flash, time, type Fragment, type PageContext } from './layout.js';

export type FleetStatus = 'online' | 'offline' | 'alarm' | '';

export interface FleetData {
  stores: StoreView[];
  kiosks: KioskView[];
  alarms: AlarmView[];
  filter: { storeId: string; status: FleetStatus };
  pairing?: { storeId: string; code: string; expiresAt: string };
  message?: { kind: 'ok' | 'error'; text: string };
}

const DEVICES = ['reader', 'scanner', 'printer', 'display'] as const;

/** The devices to show: storage only where the kiosk reports it (agents before it do not; it is not "absent" there). */
function devicesOf(telemetry: { health: Record<string, unknown> }): string[] {
  return telemetry.health.storage ? [...DEVICES, 'storage'] : [...DEVICES];
}

export function fleetBody(ctx: PageContext, data: FleetData): Fragment {
  const w = ctx.words;
  const query = new URLSearchParams({ ...(data.filter.storeId ? { storeId: data.filter.storeId } : {}), ...(data.filter.status ? { status: data.filter.status } : {}) });
  return html`<h1>${w.fleet.title}</h1>
    ${flash(data.message?.kind ?? 'ok', data.message?.text)}
    <form method="get" action="/admin/kiosks" class="card">
      <label>${w.fleet.store}
        <select name="storeId">
          <option value="">${w.fleet.allStores}</option>
          ${data.stores.map((s) => html`<option value="${s.id}" ${s.id === data.filter.storeId ? 'selected' : ''}>${s.name} (${s.id})</option>`)}
        </select>
      </label>
      <label>${w.fleet.status}
        <select name="status">
          ${(['', 'online', 'offline', 'alarm'] as const).map((s) => html`<option value="${s}" ${s === data.filter.status ? 'selected' : ''}>${s ? w.fleet[s] : w.fleet.all}</option>`)}
        </select>
      </label>
      <button type="submit">${w.fleet.filter}</button>
      <span class="hint">${w.fleet.live}</span>
    </form>
    <div data-live="/admin/events?${query.toString()}">${fleetTable(ctx, data)}</div>
    ${ctx.role === 'admin' ? pairingForm(ctx, data) : ''}`;
}

/** The table the page shows and the event stream replaces. */
export function fleetTable(ctx: PageContext, data: Pick<FleetData, 'kiosks' | 'alarms'>): Fragment {
  const w = ctx.words;
  if (!data.kiosks.length) return html`<p>${w.fleet.none}</p>`;
  return html`<table>
    <caption class="hint">${w.fleet.title}: ${data.kiosks.length}</caption>
    <thead><tr>
      <th scope="col">${w.fleet.kiosk}</th><th scope="col">${w.fleet.store}</th><th scope="col">${w.fleet.status}</th><th scope="col">${w.fleet.lastSeen}</th>
      <th scope="col">${w.fleet.versions}</th><th scope="col">${w.fleet.health}</th><th scope="col" class="num">${w.fleet.outbox}</th><th scope="col">${w.fleet.alarms}</th>
    </tr></thead>
    <tbody>
      ${data.kiosks.map((k) => {
        const t = k.telemetry;
        const status = k.status === 'revoked' ? 'revoked' : k.online ? 'online' : 'offline';
        const alarms = data.alarms.filter((a) => a.kioskId === k.id);
        return html`<tr data-kiosk="${k.id}">
          <th scope="row"><a href="/admin/kiosks/${k.id}">${k.id}</a></th>
          <td>${k.storeId}</td>
          <td class="status-${status}" data-field="status">${w.fleet[status]}</td>
          <td>${time(k.lastSeen, w.fleet.never)}</td>
          <td>${t ? `${t.versions.agent} / ${t.versions.rules ?? '–'} / ${t.versions.hotlist ?? '–'} / ${t.versions.staff ?? '–'}` : '–'}</td>
          <td>${t ? devicesOf(t).map((d) => deviceState(ctx, d, t.health[d]?.state, t.health[d]?.detail)) : '–'}</td>
          <td class="num">${t ? t.outboxDepth : '–'}</td>
          <td>${alarms.length ? alarms.map((a) => html`<span class="health-down">${w.alarmNames[a.type] ?? a.type}</span> `) : '–'}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** A device's state, with the kiosk's words for a problem ("paper out"): what a store manager goes to fix. */
function deviceState(ctx: PageContext, device: string, state: string | undefined, detail: string | undefined): Fragment {
  const w = ctx.words;
  const problem = state && state !== 'ok' && detail ? ` (${detail})` : '';
  return html`<span class="health-${state ?? 'absent'}">${w.device[device]}: ${w.health[state ?? 'absent'] ?? state}${problem}</span><br>`;
}

function pairingForm(ctx: PageContext, data: FleetData): Fragment {
  const w = ctx.words;
  return html`<section class="card" aria-labelledby="pairing">
    <h2 id="pairing">${w.fleet.pairing}</h2>
    <p class="hint">${w.fleet.pairingHint}</p>
    ${
      data.pairing
        ? html`<p>${w.fleet.codeFor(data.pairing.storeId)}</p>
          <p class="code" data-field="pairing-code">${data.pairing.code}</p>
          <p>${w.fleet.expires('')}${time(data.pairing.expiresAt, '')}</p>`
        : ''
    }
    <form method="post" action="/admin/enrollments">
      ${csrfField(ctx)}
      <label>${w.fleet.store}
        <select name="storeId">${data.stores.map((s) => html`<option value="${s.id}">${s.name} (${s.id})</option>`)}</select>
      </label>
      <button type="submit">${w.fleet.newCode}</button>
    </form>
  </section>`;
}

export interface KioskData {
  kiosk: KioskView;
  config: ConfigStatus;
  commands: CommandView[];
  alarms: AlarmView[];
  message?: { kind: 'ok' | 'error'; text: string };
  /** the editor's text after a refused save, with the reasons by field */
  draft?: { text: string; errors: string[] };
}

export function kioskBody(ctx: PageContext, data: KioskData): Fragment {
  const w = ctx.words;
  const { kiosk, config } = data;
  const t = kiosk.telemetry;
  const admin = ctx.role === 'admin' && kiosk.status === 'active';
  const status = kiosk.status === 'revoked' ? 'revoked' : kiosk.online ? 'online' : 'offline';
  return html`<p><a href="/admin/kiosks">← ${w.kiosk.back}</a></p>
    <h1>${w.kiosk.title(kiosk.id)}</h1>
    ${flash(data.message?.kind ?? 'ok', data.message?.text)}
    <dl class="facts">
      <dt>${w.fleet.store}</dt><dd>${kiosk.storeId}</dd>
      <dt>${w.fleet.status}</dt><dd class="status-${status}" data-field="status">${w.fleet[status]}${kiosk.revokedReason ? ` (${kiosk.revokedReason})` : ''}</dd>
      <dt>${w.fleet.lastSeen}</dt><dd>${time(kiosk.lastSeen, w.fleet.never)}</dd>
      <dt>${w.kiosk.key}</dt><dd><code>${kiosk.keyFingerprint}</code></dd>
      ${
        t
          ? html`<dt>${w.fleet.versions}</dt><dd>${t.versions.agent} / ${t.versions.rules ?? '–'} / ${t.versions.hotlist ?? '–'} / ${t.versions.staff ?? '–'}</dd>
            <dt>${w.fleet.health}</dt><dd>${Object.entries(t.health).map(([d, h]) => html`<span class="health-${h.state}">${w.device[d] ?? d}: ${w.health[h.state] ?? h.state}${h.detail ? ` (${h.detail})` : ''}</span><br>`)}</dd>
            <dt>${w.fleet.outbox}</dt><dd>${t.outboxDepth}</dd>
            <dt>${w.kiosk.uptime}</dt><dd>${w.kiosk.minutes(Math.round(t.uptimeS / 60))}</dd>`
          : ''
      }
    </dl>
    <h2>${w.kiosk.alarms}</h2>
    ${data.alarms.length ? html`<ul>${data.alarms.map((a) => html`<li><b>${w.alarmNames[a.type] ?? a.type}</b>: ${a.detail} (${time(a.raisedAt, '')})</li>`)}</ul>` : html`<p>${w.kiosk.noAlarms}</p>`}
    <h2>${w.kiosk.config}</h2>
    <dl class="facts">
      <dt>${w.kiosk.desired}</dt><dd><pre data-field="desired">${config.desired ? `v${config.desired.version} ${JSON.stringify(config.desired.config, null, 2)}` : '–'}</pre></dd>
      <dt>${w.kiosk.reported}</dt><dd>${config.reported ? `v${config.reported.version}` : '–'}${config.difference.pending ? html` · <b>${w.kiosk.pending}</b>` : ''}</dd>
      ${config.reported?.refused.length ? html`<dt>${w.kiosk.refused}</dt><dd class="errors"><ul>${config.reported.refused.map((r) => html`<li><code>${r.field}</code>: ${r.reason}</li>`)}</ul></dd>` : ''}
    </dl>
    ${
      admin
        ? html`<form method="post" action="/admin/kiosks/${kiosk.id}/config" class="card">
          ${csrfField(ctx)}
          <label for="patch">${w.kiosk.edit}</label>
          ${data.draft?.errors.length ? html`<ul class="errors" id="patch-errors" role="alert">${data.draft.errors.map((e) => html`<li>${e}</li>`)}</ul>` : ''}
          <textarea id="patch" name="patch" spellcheck="false" ${data.draft?.errors.length ? 'aria-describedby="patch-errors" aria-invalid="true"' : ''}>${data.draft?.text ?? '{\n  "memberScreenMs": 20000\n}'}</textarea>
          <button type="submit">${w.kiosk.save}</button>
        </form>`
        : ''
    }
    <h2>${w.kiosk.commands}</h2>
    ${
      admin
        ? html`<form method="post" action="/admin/kiosks/${kiosk.id}/commands" class="inline">${csrfField(ctx)}<input type="hidden" name="type" value="print_test_page"><button type="submit">${w.kiosk.testPage}</button></form>
          <form method="post" action="/admin/kiosks/${kiosk.id}/commands" class="inline">${csrfField(ctx)}<input type="hidden" name="type" value="restart_agent"><button type="submit">${w.kiosk.restart}</button></form>`
        : ''
    }
    ${
      data.commands.length
        ? html`<table><thead><tr><th scope="col">${w.kiosk.command}</th><th scope="col">${w.kiosk.state}</th><th scope="col">${w.kiosk.at}</th></tr></thead>
          <tbody>${data.commands.map((c) => html`<tr data-command="${c.type}"><td>${w.commandNames[c.type] ?? c.type}</td><td data-field="state">${w.commandStates[c.state] ?? c.state}${c.error ? ` (${c.error})` : ''}</td><td>${time(c.createdAt, '')}</td></tr>`)}</tbody></table>`
        : html`<p>${w.kiosk.noCommands}</p>`
    }
    ${
      admin
        ? html`<form method="post" action="/admin/kiosks/${kiosk.id}/revoke" class="card">
          ${csrfField(ctx)}
          <h2>${w.kiosk.revoke}</h2>
          <p class="hint">${w.kiosk.revokeHint(kiosk.id)}</p>
          <label>${w.kiosk.reason} <input name="reason" required minlength="3" maxlength="200"></label>
          <label>${w.kiosk.confirm} <input name="confirm" required autocomplete="off"></label>
          <button type="submit" class="danger">${w.kiosk.revoke}</button>
        </form>`
        : ''
    }`;
}
