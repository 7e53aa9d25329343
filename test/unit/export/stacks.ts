// A realistic stack both exports are tested with: argv and shell commands,
// env files with a secret, values YAML 1.1 would misread, an ordered group,
// a oneshot between groups, every probe kind, limits, hosts with labels.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadStack} from '../../../src/config/load.js'
import type {StackPlan} from '../../../src/config/types.js'

/** The shell the plan is made in: nothing of it may reach an export. */
export const SHELL_ENV = {PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/tester', INHERITED_SECRET: 'the shell’s own', EDITOR: 'vi', NODE_ENV: 'production'}

export const STACK_YAML = `
name: shop.dev
image: "registry.example.com/shop:\${TAG:-dev}"
env_file: .env
env:
  GREETING: 'hello "world", it''s 100% $$5 off'
  FLAG: "on"
  ZIP: "0123"
  NODE_ENV: production
hosts:
  web1: { ssh: deploy@10.0.0.5, dir: /srv/shop, labels: [web] }
groups:
  infra:
    strategy: ordered
    runners:
      db:
        image: postgres:16
        cmd: [postgres, -D, /var/lib/postgresql/data]
        port: 5432
        ready: { tcp: 5432, timeout: 30s }
        stop: { signal: SIGINT, timeout: 30s }
        resources: { cpu: 0.5, memory: 256M }
        memory_limit: 1G
      cache:
        image: redis:7
        cmd: [redis-server, --port, "6379"]
        ready: { exec: redis-cli ping }
        health: { exec: [redis-cli, ping], interval: 10s, failures: 5 }
  setup:
    depends_on: [infra]
    runners:
      migrate: { cmd: ./bin/migrate --all, oneshot: true, env: { API_TOKEN: t0k3n } }
  app:
    depends_on: { infra: ready, setup: completed }
    restart: one-for-all
    runners:
      web:
        cmd: node server.js --port "$PORT"
        scale: 3
        port: 3000
        hosts: [web]
        ready: { http: "http://127.0.0.1:\${PORT}/health", timeout: 20s }
        health: { http: "http://localhost:\${PORT}/live", status: 204 }
        restart: { policy: on-failure, backoff: { initial: 1s, max: 1m }, limit: 5/60s }
        stop: { cmd: [node, drain.js] }
        watch: [src]
      worker:
        cmd: bundle exec sidekiq
        scale: 3
        ready: { log: "ready to work" }
        health: notify
        log: { max_size: 1M, keep: 2 }
`

export const DOT_ENV = 'DATABASE_PASSWORD=hunter2\nLOG_LEVEL=info\n'

/** Plan `yaml` (with `files` beside it) in a temp dir against SHELL_ENV; call cleanup when done. */
export async function planOf(yaml: string, files: Record<string, string> = {}): Promise<{plan: StackPlan; dir: string; cleanup(): void}> {
  const dir = mkdtempSync(join(tmpdir(), 'mar-export-'))
  writeFileSync(join(dir, 'mar.yaml'), yaml)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), {recursive: true})
    writeFileSync(join(dir, name), content)
  }
  const loaded = await loadStack({cwd: dir, env: SHELL_ENV})
  if (!loaded.ok) {
    rmSync(dir, {recursive: true, force: true})
    throw new Error(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'))
  }
  return {plan: loaded.plan, dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}
