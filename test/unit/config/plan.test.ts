// The resolved plan: instances, ports, environment, defaults, order.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {DEFAULTS} from '../../../src/config/defaults.js'
import {BASE_ENV, instance, instances, loadPlan} from './helpers.js'

describe('plan: instances', () => {
  it('expands scale into name.1…name.N with PORT = port + index - 1, suffixed even at scale 1', async () => {
    const {plan} = await loadPlan('runners:\n  web: {cmd: node s.js, scale: 3, port: 3000}\n  worker: node w.js\n')
    expect(instances(plan).map((i) => [i.name, i.index, i.port, i.env.PORT])).toEqual([
      ['web.1', 1, 3000, '3000'],
      ['web.2', 2, 3001, '3001'],
      ['web.3', 3, 3002, '3002'],
      ['worker.1', 1, undefined, undefined],
    ])
  })

  it('gives every instance MAR_STACK, MAR_RUNNER, MAR_INSTANCE and MAR_HOST', async () => {
    const {plan} = await loadPlan('name: shop\nrunners:\n  web: {cmd: x, scale: 2}\n')
    const env = instance(plan, 'web.2').env
    expect([env.MAR_STACK, env.MAR_RUNNER, env.MAR_INSTANCE, env.MAR_HOST]).toEqual(['shop', 'web', '2', 'local'])
  })

  it('names the stack after the directory by default', async () => {
    const {plan, dir} = await loadPlan('runners: {a: x}\n', {files: {}})
    expect(plan.name).toBe(dir.split('/').at(-1))
    expect(plan.configPath).toBe(join(dir, 'mar.yaml'))
    expect(plan.dir).toBe(dir)
  })

  it('resolves cwd against the config file’s directory', async () => {
    const {plan, dir} = await loadPlan('runners:\n  a: {cmd: x, cwd: sub/dir}\n  b: {cmd: x, cwd: /abs}\n  c: x\n')
    expect(instances(plan).map((i) => i.cwd)).toEqual([join(dir, 'sub/dir'), '/abs', dir])
  })

  it('keeps commands: shell strings verbatim, argv as lists (numbers become strings)', async () => {
    const {plan} = await loadPlan('runners:\n  a: {cmd: "echo ${PORT:-1} | cat"}\n  b: {cmd: [redis-server, --port, 6379]}\n  c: [node, w.js]\n')
    expect(instances(plan).map((i) => i.command)).toEqual([{shell: 'echo ${PORT:-1} | cat'}, {argv: ['redis-server', '--port', '6379']}, {argv: ['node', 'w.js']}])
  })

  it('applies the documented defaults', async () => {
    const {plan} = await loadPlan('runners:\n  web: {cmd: x, ready: {tcp: 80}, health: {exec: ["true"]}}\n  job: {cmd: y, oneshot: true}\n')
    const web = instance(plan, 'web.1')
    expect(web.restart).toEqual({policy: 'always', backoff: {initialMs: 100, maxMs: 30_000, factor: 2}})
    expect(web.stop).toEqual({signal: 'SIGTERM', timeoutMs: 10_000})
    expect(web.ready).toEqual({check: {kind: 'tcp', host: '127.0.0.1', port: 80}, timeoutMs: 60_000, intervalMs: 250})
    expect(web.health).toEqual({check: {kind: 'exec', command: {argv: ['true']}}, timeoutMs: 2000, intervalMs: 5000, failures: 3})
    expect(web.log).toEqual({maxSize: 10 * 1024 * 1024, keep: 5})
    expect(web.host).toBe('local')
    expect(instance(plan, 'job.1').restart.policy).toBe('never')
    const group = plan.groups[0]
    expect([group.name, group.strategy, group.restart]).toEqual(['default', 'parallel', {strategy: 'one-for-one'}])
  })

  it('converts every duration, size, signal and limit', async () => {
    const yaml = [
      'runners:',
      '  web:',
      '    cmd: x',
      '    restart: {policy: on-failure, backoff: {initial: 1s, max: 1m, factor: 3}, limit: 5/60s}',
      '    stop: {signal: INT, timeout: 30s, cmd: [pg_ctl, stop]}',
      '    memory_limit: 512M',
      '    resources: {cpu: 0.5, memory: 256M}',
      '    watch: {paths: [src], ignore: ["*.tmp"], debounce: 300ms}',
      '    log: {max_size: 1G, keep: 2}',
      '    ready: {after: 2s}',
      '',
    ].join('\n')
    const {plan, dir} = await loadPlan(yaml)
    const web = instance(plan, 'web.1')
    expect(web.restart).toEqual({policy: 'on-failure', backoff: {initialMs: 1000, maxMs: 60_000, factor: 3}, limit: {count: 5, windowMs: 60_000}})
    expect(web.stop).toEqual({signal: 'SIGINT', timeoutMs: 30_000, command: {argv: ['pg_ctl', 'stop']}})
    expect(web.memoryLimit).toBe(512 * 1024 ** 2)
    expect(web.resources).toEqual({cpu: 0.5, memory: 256 * 1024 ** 2})
    expect(web.watch).toEqual({paths: [join(dir, 'src')], ignore: [...DEFAULTS.watch.ignore, '*.tmp'], debounceMs: 300})
    expect(web.log).toEqual({maxSize: 1024 ** 3, keep: 2})
    expect(web.ready?.check).toEqual({kind: 'after', delayMs: 2000})
  })

  it('accepts watch as a plain list and every probe form', async () => {
    const yaml = [
      'runners:',
      '  a: {cmd: x, watch: [src, lib], ready: notify}',
      '  b: {cmd: x, ready: {notify: true}, health: {tcp: "db:5432", failures: 5}}',
      '  c: {cmd: x, port: 8000, ready: {log: "listening on ${PORT}$", timeout: 5s, interval: 1s}}',
      '  d: {cmd: x, port: 8000, ready: {http: "http://127.0.0.1:${PORT}/ok", status: 204}}',
      '',
    ].join('\n')
    const {plan} = await loadPlan(yaml)
    expect(instance(plan, 'a.1').watch?.paths).toHaveLength(2)
    expect(instance(plan, 'a.1').ready?.check).toEqual({kind: 'notify'})
    expect(instance(plan, 'b.1').ready?.check).toEqual({kind: 'notify'})
    expect(instance(plan, 'b.1').health).toMatchObject({check: {kind: 'tcp', host: 'db', port: 5432}, failures: 5})
    expect(instance(plan, 'c.1').ready).toEqual({check: {kind: 'log', pattern: 'listening on 8000$'}, timeoutMs: 5000, intervalMs: 1000})
    expect(instance(plan, 'd.1').ready?.check).toEqual({kind: 'http', url: 'http://127.0.0.1:8000/ok', status: 204})
  })
})

describe('plan: environment and interpolation', () => {
  it('layers env: passed < top env_file < top env < runner env_file < runner env < instance vars', async () => {
    const yaml = ['env_file: top.env', 'env: {B: top-env, C: top-env}', 'runners:', '  web:', '    cmd: x', '    port: 4000', '    env_file: [run.env]', '    env: {E: run-env, PORT: "1"}', ''].join('\n')
    const files = {'top.env': 'A=top-file\nB=top-file\nZ=top-file', 'run.env': 'C=run-file\nD=run-file\nE=run-file'}
    const {plan} = await loadPlan(yaml, {files, env: {...BASE_ENV, A: 'passed', Z: 'passed'}})
    const env = instance(plan, 'web.1').env
    expect({A: env.A, B: env.B, C: env.C, D: env.D, E: env.E, Z: env.Z, PORT: env.PORT, PATH: env.PATH}).toEqual({
      A: 'top-file',
      B: 'top-env',
      C: 'run-file',
      D: 'run-file',
      E: 'run-env',
      Z: 'top-file',
      PORT: '4000',
      PATH: BASE_ENV.PATH,
    })
  })

  it('loads an implicit .env beside the config, and interpolates from all layers', async () => {
    const yaml = 'env: {URL: "http://${HOST}:${P:-80}"}\nrunners:\n  web: {cmd: [serve, "${URL}/x", "$${HOME}"], cwd: "${DIR}"}\n'
    const {plan, dir} = await loadPlan(yaml, {files: {'.env': 'HOST=example.org\nDIR=app'}})
    const web = instance(plan, 'web.1')
    expect(web.env.URL).toBe('http://example.org:80')
    expect(web.command).toEqual({argv: ['serve', 'http://example.org:80/x', '${HOME}']})
    expect(web.cwd).toBe(join(dir, 'app'))
  })

  it('interpolates instance variables per instance (probes, env values, argv)', async () => {
    const yaml = 'name: s\nrunners:\n  web:\n    cmd: [serve, "--id=${MAR_RUNNER}-${MAR_INSTANCE}"]\n    scale: 2\n    port: 3000\n    env: {SELF: "http://localhost:${PORT}"}\n    ready: {tcp: "${PORT}"}\n'
    const {plan} = await loadPlan(yaml)
    expect(instance(plan, 'web.2').command).toEqual({argv: ['serve', '--id=web-2']})
    expect(instance(plan, 'web.2').env.SELF).toBe('http://localhost:3001')
    expect(instance(plan, 'web.2').ready?.check).toEqual({kind: 'tcp', host: '127.0.0.1', port: 3001})
  })

  it('never interpolates shell strings: a value cannot become shell code', async () => {
    const evil = "'; rm -rf ~; echo '"
    const yaml = 'runners:\n  web:\n    cmd: echo ${NAME}\n    ready: {exec: "test -n ${NAME}"}\n    stop: {cmd: "kill ${NAME}"}\n'
    const {plan} = await loadPlan(yaml, {env: {...BASE_ENV, NAME: evil}})
    const web = instance(plan, 'web.1')
    expect(web.command).toEqual({shell: 'echo ${NAME}'})
    expect(web.ready?.check).toEqual({kind: 'exec', command: {shell: 'test -n ${NAME}'}})
    expect(web.stop.command).toEqual({shell: 'kill ${NAME}'})
    // the shell reads the value from the child's environment, as data
    expect(web.env.NAME).toBe(evil)
  })

  it('does not expand ${VAR} inside env files', async () => {
    const {plan} = await loadPlan('runners: {a: x}\n', {files: {'.env': 'A=${HOME}'}})
    expect(instance(plan, 'a.1').env.A).toBe('${HOME}')
  })
})

describe('plan: groups, hosts, order', () => {
  it('orders groups topologically, declaration order among independent ones', async () => {
    const yaml = ['groups:', '  web: {depends_on: [db, cache], runners: {w: x}}', '  tools: {runners: {t: x}}', '  db: {runners: {d: x}}', '  cache: {depends_on: {db: started}, runners: {c: x}}', ''].join('\n')
    const {plan} = await loadPlan(yaml)
    expect(plan.startOrder).toEqual(['tools', 'db', 'cache', 'web'])
    expect(plan.groups.map((g) => g.name)).toEqual(['web', 'tools', 'db', 'cache'])
    expect(plan.groups[0].dependsOn).toEqual([
      {group: 'db', condition: 'ready'},
      {group: 'cache', condition: 'ready'},
    ])
    expect(plan.groups[3].dependsOn).toEqual([{group: 'db', condition: 'started'}])
  })

  it('reads group restart as a string or {strategy, limit}', async () => {
    const yaml = 'groups:\n  a: {restart: rest-for-one, strategy: ordered, runners: {x: x}}\n  b: {restart: {strategy: one-for-all, limit: 3/1m}, runners: {y: y}}\n'
    const {plan} = await loadPlan(yaml)
    expect(plan.groups.map((g) => [g.strategy, g.restart])).toEqual([
      ['ordered', {strategy: 'rest-for-one'}],
      ['parallel', {strategy: 'one-for-all', limit: {count: 3, windowMs: 60_000}}],
    ])
  })

  it('always has the implicit local host, first', async () => {
    const yaml = 'hosts:\n  box: {ssh: "deploy@${BOX:-10.0.0.5}", cpus: 4, memory: 8G, labels: [web]}\nrunners: {a: x}\n'
    const {plan} = await loadPlan(yaml)
    expect(plan.hosts).toEqual([
      {name: 'local', labels: []},
      {name: 'box', ssh: 'deploy@10.0.0.5', cpus: 4, memory: 8 * 1024 ** 3, labels: ['web']},
    ])
  })

  it('places instances round-robin over hosts named directly or by label', async () => {
    const yaml = 'hosts:\n  a: {ssh: a, labels: [web]}\n  b: {ssh: b, labels: [web]}\nrunners:\n  web: {cmd: x, scale: 3, hosts: [web]}\n  db: {cmd: y, hosts: b}\n'
    const {plan} = await loadPlan(yaml)
    expect(instances(plan).map((i) => `${i.name}@${i.host}/${i.env.MAR_HOST}`)).toEqual(['web.1@a/a', 'web.2@b/b', 'web.3@a/a', 'db.1@b/b'])
  })

  it('lists nothing as not acted on since remote hosts landed: hosts, placement on them and ssh_config are all used', async () => {
    const yaml = 'ssh_config: ./ssh/config\nhosts:\n  a: {ssh: a}\nrunners:\n  web: {cmd: x, hosts: [a], log: {keep: 1}}\n  local: {cmd: x, ready: {tcp: 1}}\n'
    const {plan} = await loadPlan(yaml)
    expect(plan.notActedOn).toEqual([])
  })

  it('takes sshConfig from MAR_SSH_CONFIG over ssh_config', async () => {
    const yaml = 'ssh_config: ./ssh/config\nrunners: {a: x}\n'
    const fromFile = await loadPlan(yaml)
    expect(fromFile.plan.sshConfig).toBe(join(fromFile.dir, 'ssh/config'))
    const fromEnv = await loadPlan(yaml, {env: {...BASE_ENV, MAR_SSH_CONFIG: '/etc/mar/ssh'}})
    expect(fromEnv.plan.sshConfig).toBe('/etc/mar/ssh')
  })

  it('warns about a oneshot that restarts always and about shared ports', async () => {
    const {warnings} = await loadPlan('runners:\n  a: {cmd: x, oneshot: true, restart: always}\n  b: {cmd: x, port: 3000}\n  c: {cmd: x, port: 3000}\n')
    expect(warnings).toHaveLength(2)
  })

  it('accepts YAML anchors and merge keys', async () => {
    const yaml = 'x-base: &base {restart: on-failure, stop: {timeout: 1s}}\n'.replace('x-base', '# anchors') + 'runners:\n  a: &a {cmd: x, stop: {timeout: 1s}}\n  b: {<<: *a, cmd: y}\n'
    const {plan} = await loadPlan(yaml)
    expect(instance(plan, 'b.1').stop.timeoutMs).toBe(1000)
    expect(instance(plan, 'b.1').command).toEqual({shell: 'y'})
  })
})

describe('plan: what only the exports read', () => {
  it('image: the runner’s own and the top level’s, interpolated; mar itself ignores them', async () => {
    const {plan} = await loadPlan('image: "reg/shop:${TAG:-dev}"\nenv: {TAG: v1}\nrunners:\n  web: {cmd: x, image: "postgres:16"}\n  worker: x\n')
    expect(plan.image).toBe('reg/shop:v1')
    expect(plan.groups[0]!.runners.map((r) => r.image)).toEqual(['postgres:16', undefined])
  })

  it('declaredEnv: the keys of env files and env, top level and the runner’s, even where the shell has the same value', async () => {
    const {plan} = await loadPlan('env_file: top.env\nenv: {NODE_ENV: production}\nrunners:\n  web: {cmd: x, env: {WEB: "1"}, env_file: web.env}\n  worker: x\n', {
      env: {...BASE_ENV, NODE_ENV: 'production', SHELL_ONLY: 'x'},
      files: {'top.env': 'TOP=1\n', 'web.env': 'API_KEY=abc\n'},
    })
    const [web, worker] = plan.groups[0]!.runners
    expect(web!.declaredEnv).toEqual(['API_KEY', 'NODE_ENV', 'TOP', 'WEB'])
    expect(worker!.declaredEnv).toEqual(['NODE_ENV', 'TOP'])
  })
})
