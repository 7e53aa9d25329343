import {Args, loadHelpClass} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Help extends MarCommand {
  static override summary = 'Show help for mar or for one command.'
  static override strict = false
  static override args = {command: Args.string({description: 'the command, e.g. "up" or "daemon stop"'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Help)
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config).showHelp(argv as string[])
  }
}
