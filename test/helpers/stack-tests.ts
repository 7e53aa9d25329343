// What most e2e tests of the daemon need: a private MAR_HOME and a project
// directory per test, both cleaned up after each test (the daemon stopped,
// every instance process killed, the directories removed).
import {afterEach} from 'vitest'
import {project, withHome, type Home} from './daemon.js'

export interface StackTests {
  /** A MAR_HOME of its own, cleaned up after the test. */
  home(): Home
  /** A project directory with these files, removed after the test. */
  project(files: Record<string, string>): string
  /** Both: a home, and a project whose mar.yaml is `yaml`. */
  setup(yaml: string, files?: Record<string, string>): {home: Home; dir: string}
  /** Run after the test, after the homes are cleaned up (last registered first). */
  defer(cleanup: () => void): void
}

/** Call once at the top of a test file. */
export function stackTests(): StackTests {
  const homes: Home[] = []
  const cleanups: Array<() => void> = []
  afterEach(async () => {
    for (const home of homes.splice(0)) await home.cleanup()
    for (const cleanup of cleanups.splice(0).reverse()) cleanup()
  })
  const self: StackTests = {
    home() {
      const home = withHome()
      homes.push(home)
      return home
    },
    project(files) {
      const p = project(files)
      cleanups.push(p.cleanup)
      return p.dir
    },
    setup(yaml, files = {}) {
      return {home: self.home(), dir: self.project({'mar.yaml': yaml, ...files})}
    },
    defer: (cleanup) => void cleanups.push(cleanup),
  }
  return self
}
