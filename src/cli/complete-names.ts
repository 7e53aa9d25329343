// The names completion offers for TARGET and STACK, from what runs: the
// daemon's stacks and those `mar up -f` serves, each asked for its status
// over its socket. No config is parsed (that costs more than a keystroke
// may); the current directory's stack is the running one whose config file
// is the one discovery finds from here, as every command finds it.
import {foregroundClients, probeDaemon} from '../api/connect.js'
import {marPaths} from '../api/home.js'
import type {StackInfo} from '../api/protocol.js'
import {discoverConfig} from '../config/discover.js'
import type {Candidate, NameSource} from './complete-words.js'

export function runningNames(cwd: string, timeoutMs: number): NameSource {
  let stacks: Promise<StackInfo[]> | undefined
  const running = () => (stacks ??= askStatus(timeoutMs))
  return {
    async stacks() {
      return (await running()).map((stack) => ({value: stack.name, description: `stack, ${count(stack.instances.length, 'instance')}`}))
    },
    async targets(prefix, configFlag) {
      const all = await running()
      const slash = prefix.indexOf('/')
      // `shop/…`: that stack's names, qualified.
      if (slash >= 0) {
        const stack = all.find((s) => s.name === prefix.slice(0, slash))
        return stack ? namesOf(stack).map((c) => ({...c, value: `${stack.name}/${c.value}`})) : []
      }
      const found = await discoverConfig(cwd, configFlag)
      const config = 'code' in found ? undefined : found.file
      const here = all.find((s) => s.config === config)
      const others = all.map((s): Candidate => ({value: `${s.name}/`, description: `stack, ${count(s.instances.length, 'instance')}`}))
      // Where no config is found, a bare word names a stack (`mar down shop`).
      const bare = config ? [] : all.map((s): Candidate => ({value: s.name, description: 'stack'}))
      return [...(here ? namesOf(here) : []), ...bare, ...others]
    },
  }
}

/** Groups, runners and instances of one stack, with what each is. */
function namesOf(stack: StackInfo): Candidate[] {
  const runners = new Map<string, number>()
  for (const instance of stack.instances) runners.set(instance.runner, (runners.get(instance.runner) ?? 0) + 1)
  return [
    ...stack.groups.map((g) => ({value: g.name, description: `group, ${g.phase}`})),
    ...[...runners].map(([name, n]) => ({value: name, description: `runner, ${count(n, 'instance')}`})),
    ...stack.instances.map((i) => ({value: i.name, description: `instance, ${i.state}`})),
  ].filter((c, i, all) => all.findIndex((other) => other.value === c.value) === i)
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
}

/** Every stack that runs, or none when nothing answers in time: completion never waits for a daemon or starts one. */
async function askStatus(timeoutMs: number): Promise<StackInfo[]> {
  const paths = marPaths()
  const [daemon, foreground] = await Promise.all([probeDaemon(paths, timeoutMs).catch(() => null), foregroundClients(paths).catch(() => [])])
  const clients = daemon ? [daemon, ...foreground] : foreground
  try {
    const replies = await Promise.all(clients.map((client) => client.call('status', {}).catch(() => null)))
    return replies.flatMap((reply) => reply?.stacks ?? [])
  } finally {
    for (const client of clients) client.close()
  }
}
