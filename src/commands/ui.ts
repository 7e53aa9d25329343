import {MarCommand} from '../cli/base-command.js'
import {MarError} from '../util/errors.js'

export default class Ui extends MarCommand {
  static override summary = 'The live terminal UI (not available in this version).'
  static override description = 'Until it lands, `mar status` and `mar logs -f` show the same information.'

  async run(): Promise<void> {
    await this.parse(Ui)
    throw new MarError('not-available', 'the TUI is not available in this version of mar', {hint: 'use `mar status` and `mar logs -f`'})
  }
}
