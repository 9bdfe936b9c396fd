import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; `npm start` and production run the built dist/.
    alias: [
      { find: /^@loyalty\/protocol\/node$/, replacement: here('./protocol/src/node/index.ts') },
      { find: /^@loyalty\/(protocol|gateway|device)$/, replacement: here('./$1/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons (pcsclite, libsql) abort inside worker threads: docs/hardware-lab.md.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
