import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'
import {loadPlanOrThrow} from '../cli/load-plan.js'
import {UP_TIMEOUT_DEFAULT} from '../cli/up-defaults.js'

export default class Up extends MarCommand {
  static override summary = 'Start the stack (or some of it) and wait until it is ready.'
  static override description = `Starts TARGETs — groups, runners, instances (web.2) or stack/runner — or the whole stack.
With -f/--foreground no daemon is involved: output is printed foreman-style and Ctrl-C stops everything.`
  static override strict = false
  static override args = {target: Args.string({description: 'group, runner, instance or stack/runner', required: false})}
  static override flags = {
    foreground: Flags.boolean({char: 'f', description: 'Run in this terminal without the daemon; Ctrl-C stops everything.'}),
    wait: Flags.boolean({description: 'Wait until every instance is ready.', allowNo: true, default: true}),
    timeout: Flags.string({description: 'Give up waiting after this long (e.g. 60s).', default: UP_TIMEOUT_DEFAULT}),
    ui: Flags.boolean({description: 'Open the live TUI on the stack once started (with -f: q or Ctrl-C stops the stack).'}),
    'detach-on-ready': Flags.boolean({description: 'With --ui: close the screen once every instance is ready; the stack keeps running.', dependsOn: ['ui']}),
    mouse: Flags.boolean({description: 'With --ui: clicks and the wheel act on the screen (--no-mouse: the terminal selects text as usual).', allowNo: true, default: true}),
  }
  static override examples = ['<%= config.bin %> up -f', '<%= config.bin %> up web worker', '<%= config.bin %> up --no-wait']

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Up)
    const targets = argv as string[]
    if (flags.ui) (await import('../cli/open-ui.js')).needTerminal()
    const plan = await loadPlanOrThrow(flags.config, process.cwd(), flags.quiet ? {warn: () => {}} : {})
    if (flags.foreground) {
      const {refuseIfInDaemon} = await import('../cli/one-copy.js')
      await refuseIfInDaemon(plan)
      const {runForeground} = await import('../cli/foreground.js')
      const {selectTargets} = await import('../api/targets.js')
      const selected = selectTargets(plan, targets)
      const code = await runForeground(selected, {color: this.useColor(flags), quiet: flags.quiet, ...(flags.ui ? {ui: {detachOnReady: flags['detach-on-ready'], mouse: flags.mouse}} : {})})
      return this.exit(code)
    }
    const {upInDaemon} = await import('../cli/up-daemon.js')
    if (flags.ui) {
      // The daemon starts the stack as `up --no-wait` would; the screen shows its progress and then the stack.
      const started = await upInDaemon(plan, targets, {wait: false, timeout: flags.timeout, json: false, color: false, quiet: true, ui: false})
      if (started !== 0) return this.exit(started)
      const {openUi} = await import('../cli/open-ui.js')
      return this.exit(await openUi({name: plan.name}, {readOnly: false, detachOnReady: flags['detach-on-ready'], color: this.useColor(flags), mouse: flags.mouse}))
    }
    const code = await upInDaemon(plan, targets, {
      wait: flags.wait,
      timeout: flags.timeout,
      json: flags.json,
      color: this.useColor(flags),
      quiet: flags.quiet,
      ui: flags.ui,
    })
    return this.exit(code)
  }
}
