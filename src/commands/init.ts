// `mar init`: write a commented mar.yaml from templates/mar.yaml, or convert
// ./Procfile or package.json scripts. Never overwrites without --force.
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {basename, dirname, join, relative, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {MarCommand} from '../cli/base-command.js'
import {ExitCode, MarError} from '../util/errors.js'

export default class Init extends MarCommand {
  static override description = `Write a commented mar.yaml, or convert a Procfile or package.json scripts. Next to a Procfile, a plain \`mar init\` converts it.
With --from-package the runners are the "start" script (else "dev") plus worker-like scripts (worker, queue, jobs, scheduler, cron, consumer, clock, and names such as worker:email); choose others with --scripts. Each runs as \`npm run NAME\`.
The file is ./mar.yaml, or the path given with -c. It starts with a yaml-language-server modeline pointing at the JSON Schema shipped with mar (a relative path when mar is installed inside the project, else the absolute path of this installation), so editors complete and check it.`

  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --from-procfile', '<%= config.bin %> init --from-package --scripts start,worker']

  static override flags = {
    force: Flags.boolean({char: 'f', description: 'Overwrite an existing file.'}),
    'from-procfile': Flags.boolean({description: 'Convert ./Procfile (and note ./.env).', exclusive: ['from-package']}),
    'from-package': Flags.boolean({description: 'Convert package.json scripts.', exclusive: ['from-procfile']}),
    scripts: Flags.string({description: 'With --from-package: comma-separated script names to run.', dependsOn: ['from-package']}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Init)
    const cwd = process.cwd()
    const target = resolve(cwd, flags.config ?? 'mar.yaml')
    const shown = relative(cwd, target) || target
    const {writeFilesSafely} = await import('../util/write-files.js')
    // Checked before converting anything; written (never through a link) at the end.
    const write = (content: string) => writeFilesSafely(dirname(target), [{name: basename(target), content, mode: 0o644}], {force: flags.force, elsewhere: 'give another file with -c', forceHint: 'use --force to overwrite it'})
    if (!flags.force && existsSync(target)) {
      throw new MarError('file-exists', `${shown} already exists`, {hint: 'use --force to overwrite it', exitCode: ExitCode.failed})
    }
    const scaffold = await import('../config/scaffold.js')
    const dir = dirname(target)
    const modeline = scaffold.schemaModeline(dir, join(this.config.root, 'schema', 'mar.schema.json'))
    const name = scaffold.stackNameFrom(basename(dir))

    let text: string
    let runners: string[] = []
    let notes: string[] = []
    // A plain `mar init` next to a Procfile converts it (README, "Commands"): that list of
    // processes is what the user wants to run. package.json scripts are only
    // converted when asked: most of them (test, build) are not services.
    const fromProcfile = flags['from-procfile'] || (!flags['from-package'] && existsSync(join(cwd, 'Procfile')))
    if (fromProcfile || flags['from-package']) {
      const source = join(cwd, fromProcfile ? 'Procfile' : 'package.json')
      const content = await readFile(source, 'utf8').catch(() => undefined)
      if (content === undefined) throw new MarError('not-found', `no ${basename(source)} in ${cwd}`, {hint: 'run mar init in the directory that has it', exitCode: ExitCode.usage})
      const conversion = fromProcfile
        ? scaffold.convertProcfile(source, content, {modeline, name, hasEnvFile: existsSync(join(cwd, '.env'))})
        : scaffold.convertPackageJson(source, content, {modeline, name: scaffold.stackNameFrom(pkgName(content) ?? name), scripts: flags.scripts?.split(',').map((s) => s.trim()).filter(Boolean)})
      if (!conversion.ok) {
        const {configError} = await import('../config/issues.js')
        throw configError(conversion.issues, cwd)
      }
      ;({text, runners, notes} = conversion)
    } else {
      const template = await readFile(join(this.config.root, 'templates', 'mar.yaml'), 'utf8')
      text = scaffold.withModeline(template, modeline)
    }
    await write(text)
    if (flags.json) {
      this.printJson({file: target, runners, notes})
      return
    }
    if (flags.quiet) return
    this.out(`wrote ${shown}${runners.length > 0 ? ` (runners: ${runners.join(', ')})` : ''}`)
    for (const note of notes) this.out(`note: ${note}`)
    this.out(`check it with \`mar validate${flags.config ? ` -c ${shown}` : ''}\`, start it with \`mar up\``)
  }
}

function pkgName(content: string): string | undefined {
  try {
    const name = (JSON.parse(content) as {name?: unknown}).name
    return typeof name === 'string' && name !== '' ? name.replace(/^@[^/]+\//, '') : undefined
  } catch {
    return undefined
  }
}
