// Every default of the configuration language in one place, so the schema's
// descriptions, the plan and the docs cannot drift apart.
//
// | key                         | default                                        |
// | --------------------------- | ---------------------------------------------- |
// | name                        | the config file's directory name               |
// | env_file (top level)        | `.env` beside the config file, when it exists  |
// | group strategy              | parallel                                       |
// | group restart               | one-for-one, no intensity limit                |
// | depends_on as a list        | each entry waits for `ready`                   |
// | runner restart policy       | always (a oneshot: never)                      |
// | restart backoff             | initial 100ms, max 30s, factor 2               |
// | restart limit               | none (restart forever)                         |
// | stop                        | SIGTERM, then SIGKILL after 10s                |
// | ready probe                 | timeout 60s, interval 250ms                    |
// | health probe                | interval 5s, 3 failures, 2s per check          |
// | tcp probe host              | 127.0.0.1 (of the instance's host)             |
// | http probe status           | unset: any 2xx                                 |
// | scale                       | 1                                              |
// | hosts                       | [local]                                        |
// | cwd                         | the config file's directory                    |
// | watch                       | debounce 250ms; .git and node_modules ignored  |
// | log                         | max_size 10M, keep 5                           |
// | oneshot                     | false                                          |
//
// A bare number is not a duration (30 could mean seconds or milliseconds);
// only `0` may be written without a unit. A bare number is a size in bytes.
import type {DependencyCondition, GroupStrategy, RestartPolicy, RestartStrategy} from './types.js'

export const DEFAULTS = {
  strategy: 'parallel' as GroupStrategy,
  groupRestart: 'one-for-one' as RestartStrategy,
  dependsOnCondition: 'ready' as DependencyCondition,
  restartPolicy: 'always' as RestartPolicy,
  oneshotRestartPolicy: 'never' as RestartPolicy,
  backoff: {initialMs: 100, maxMs: 30_000, factor: 2},
  stop: {signal: 'SIGTERM' as NodeJS.Signals, timeoutMs: 10_000},
  ready: {timeoutMs: 60_000, intervalMs: 250},
  health: {intervalMs: 5000, failures: 3, timeoutMs: 2000},
  tcpHost: '127.0.0.1',
  scale: 1,
  hosts: ['local'],
  watch: {debounceMs: 250, ignore: ['**/.git/**', '**/node_modules/**']},
  log: {maxSize: 10 * 1024 * 1024, keep: 5},
  /** Group name of the short form and of a Procfile. */
  defaultGroup: 'default',
  localHost: 'local',
  envFile: '.env',
} as const
