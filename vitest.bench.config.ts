import { defineConfig } from 'vitest/config';

// Benchmarks: run on demand with `npm run bench`, not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/bench/**/*.bench.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
    pool: 'forks',
  },
});
