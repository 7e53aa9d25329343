// The stacks that are up, as the plans the CLI sent: what a daemon brings
// back after a reboot or a restart. `mar down` removes a stack's file.
import {readdirSync, rmSync} from 'node:fs'
import {readPrivate, writePrivateAtomic} from '../util/private-files.js'
import {join} from 'node:path'
import type {StackPlan} from '../config/types.js'
import {safeName} from './paths.js'
import {packPlan} from '../config/plan-pack.js'
import {checkPlan} from './check-plan.js'

interface StoredStack {
  version: 1
  savedAt: string
  plan: StackPlan
  /** Instances the user stopped, or did not ask for (mar up TARGET): they stay stopped when the stack comes back. */
  stopped?: string[]
}

export interface StackRecord {
  plan: StackPlan
  stopped: string[]
}

export class StackStore {
  constructor(private readonly dir: string) {}

  private file(name: string): string {
    return join(this.dir, `${safeName(name)}.json`)
  }

  save(plan: StackPlan, stopped: Iterable<string> = []): void {
    const stored: StoredStack = {version: 1, savedAt: new Date().toISOString(), plan: packPlan(plan), stopped: [...stopped]}
    const file = this.file(plan.name)
    // The plan holds the environment the stack was started with: private to this user.
    writePrivateAtomic(file, JSON.stringify(stored))
  }

  remove(name: string): void {
    rmSync(this.file(name), {force: true})
  }

  loadAll(): {stacks: StackRecord[]; problems: string[]} {
    const stacks: StackRecord[] = []
    const problems: string[] = []
    let names: string[] = []
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'))
    } catch {
      return {stacks, problems}
    }
    for (const name of names.sort()) {
      try {
        const stored = JSON.parse(readPrivate(join(this.dir, name))) as StoredStack
        if (stored.version !== 1 || !stored.plan?.name) throw new Error('unknown format')
        // Checked as a plan sent over the socket is: a damaged or planted file must not reach a stack.
        const stopped = Array.isArray(stored.stopped) ? stored.stopped.filter((n): n is string => typeof n === 'string') : []
        stacks.push({plan: checkPlan(stored.plan), stopped})
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`)
      }
    }
    return {stacks, problems}
  }
}
