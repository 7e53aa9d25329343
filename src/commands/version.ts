import {MarCommand} from '../cli/base-command.js'

export default class Version extends MarCommand {
  static override summary = 'Print the version of mar (the same as mar --version).'

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const {name, version} = this.config.pjson
    if (flags.json) this.printJson({name, version, platform: process.platform, arch: process.arch, node: process.version})
    else this.out(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}`)
  }
}
