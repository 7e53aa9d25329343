import {defineConfig} from 'vitest/config'
import {deadline} from './test/helpers/deadline.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Deadlines, scaled for a loaded machine (test/helpers/deadline.ts); a test's own timeout is not scaled.
    testTimeout: deadline(30_000),
    hookTimeout: deadline(30_000),
    pool: 'forks',
    // Integration tests start real processes and daemons; two cores here.
    maxWorkers: 2,
  },
})
