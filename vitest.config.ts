import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; `npm start` and production run the built dist/.
    alias: {
      '@loyalty/protocol': src('protocol'),
      '@loyalty/gateway': src('gateway'),
      '@loyalty/device': src('device'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons (pcsclite, libsql) abort inside worker threads: HARDWARE-LAB.md.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
