import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Ui extends MarCommand {
  static override summary = 'The live terminal UI: every instance’s health, its logs, and actions on them.'
  static override description = `Shows STACK (or the stack of this directory's config; with neither, every stack of the daemon), from the daemon or a \`mar up -f\` of it.
Keys: arrows or j/k move, tab switches to the logs, / filters, r restart, s stop, S start, K signal, R reload, +/- scale, d details, g graph, ? help, q quit.
Mouse: a click selects a row or focuses the logs; the wheel moves the selection or scrolls the logs.`
  static override args = {stack: Args.string({description: 'the stack to show', required: false})}
  static override flags = {
    'read-only': Flags.boolean({description: 'Show only: every action is hidden.'}),
    'detach-on-ready': Flags.boolean({description: 'Close the screen once every instance is ready.'}),
    mouse: Flags.boolean({description: 'Clicks and the wheel act on the screen (--no-mouse: the terminal selects text as usual).', allowNo: true, default: true}),
  }
  static override examples = ['<%= config.bin %> ui', '<%= config.bin %> ui shop --read-only']

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Ui)
    const {stackRefFor} = await import('../cli/stack-ref.js')
    const {openUi} = await import('../cli/open-ui.js')
    const ref = args.stack ? {name: args.stack} : await stackRefFor(flags.config)
    const code = await openUi(ref, {readOnly: flags['read-only'], detachOnReady: flags['detach-on-ready'], color: this.useColor(flags), mouse: flags.mouse})
    return this.exit(code)
  }
}
