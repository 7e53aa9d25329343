import {Args} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'

export default class Completion extends MarCommand {
  static override summary = 'Print a shell completion script: commands, flags, and the names of stacks, groups, runners and instances that run.'
  static override description =
    'bash: source <(mar completion bash), or save it as ~/.local/share/bash-completion/completions/mar. zsh: source <(mar completion zsh) after compinit, or save it as _mar in a directory of $fpath. fish: mar completion fish > ~/.config/fish/completions/mar.fish.'
  static override args = {shell: Args.string({description: 'the shell', options: ['bash', 'zsh', 'fish'], required: true})}
  static override examples = ['<%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/mar', '<%= config.bin %> completion fish | source']

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    const {completionScript} = await import('../cli/completion-scripts.js')
    this.out(completionScript(args.shell as 'bash' | 'zsh' | 'fish'))
  }
}
