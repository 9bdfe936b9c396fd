/**
 * `npm run test:unit`: the fast loop — pure code, in-memory fakes and local libSQL files; no
 * sockets, no child processes, no system packages. `npm test` runs these and everything else.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/protocol/**/*.test.ts',
      'test/device/{agent,commands,display,escpos,outbox,signed-cache,kiosk-views,transliterate}.test.ts',
      'test/gateway/{ledger,writer,config,reminder-messages}.test.ts',
      'test/gateway/ledger/{model,operations}.test.ts',
    ],
  },
});
