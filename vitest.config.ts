import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2, // the machine has 2 cores; each test file gets its own Redis db and PostgreSQL database
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
