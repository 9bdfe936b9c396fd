/**
 * The installed card (docs/self-service.md "Digital card"): a web app manifest so the page can be
 * added to the home screen, and a service worker that keeps the card view, and only the card view,
 * for when the phone has no connection at the till. The statement, balances and details are
 * never cached: they go to the network or not at all. Signing out clears the cache (the sign-out
 * response carries Clear-Site-Data).
 */
import type { MyWords } from './words.js';

/** Marks a response as the card view: the only page the service worker stores. */
export const CARD_VIEW_HEADER = 'x-lk-view';

export function manifest(words: MyWords, lang: string): string {
  return JSON.stringify({
    name: words.title,
    short_name: words.card.title,
    lang,
    start_url: '/my/card',
    scope: '/my/',
    display: 'standalone',
    background_color: '#f3f5f8',
    theme_color: '#16233a',
    icons: [{ src: '/my/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
  });
}

export const SERVICE_WORKER = `
'use strict';
const CACHE = 'lk-my-card-v1';
const CARD = '/my/card';
const ASSETS = ['/my/my.css', '/my/icon.svg', '/my/my.js'];
// A till queue does not wait for a dead network: after this, the stored card is shown.
const NETWORK_MS = 4000;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});
self.addEventListener('fetch', function (event) {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === CARD) event.respondWith(cardView(event.request));
  else if (ASSETS.indexOf(url.pathname) >= 0) event.respondWith(asset(event.request));
  // Anything else (the statement, the balances) is not touched: network only, never stored.
});

function withTimeout(promise) {
  return new Promise(function (resolve, reject) {
    const timer = setTimeout(function () { reject(new Error('timeout')); }, NETWORK_MS);
    promise.then(function (r) { clearTimeout(timer); resolve(r); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

async function cardView(request) {
  const cache = await caches.open(CACHE);
  let response = null;
  try {
    response = await withTimeout(fetch(request));
  } catch (e) {
    response = null;
  }
  if (response && response.ok && response.headers.get('${CARD_VIEW_HEADER}') === 'card') {
    await cache.put(CARD, response.clone());
    return response;
  }
  // Offline, or the short session ended: the card stays usable at the till until sign-out.
  const stored = await cache.match(CARD);
  return stored || response || Response.error();
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request));
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    return (await cache.match(request)) || Response.error();
  }
}
`;
