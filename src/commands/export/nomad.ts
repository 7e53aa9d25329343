// `mar export nomad [DIR]`: the stack of this directory as a Nomad job in
// the JSON format of Nomad's API. Thin: the mapping lives in
// src/export/nomad, the output in src/cli/export-output.ts.
import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../../cli/base-command.js'
import {orchestratorExportFlags} from '../../cli/export-flags.js'

export default class ExportNomad extends MarCommand {
  static override description = `Write the stack as a Nomad job in the JSON format of Nomad's API (<stack>.nomad.json), for nomad job run -json FILE.
Mapped: a group → a task group (count = scale; one task group per runner when their scales differ), a runner → a task with the raw_exec driver (--driver exec for exec), cmd → command and args (a string through /bin/sh -c), cwd → work_dir (under --workdir), env and env_file → env (variables named *_KEY, *_TOKEN, *PASSWORD*, *SECRET* come from the Nomad variable nomad/jobs/<stack> through a template: values are never exported), a oneshot → a prestart task of what waits for it (poststart beside the services of a parallel group), port → a static port of the task group's network, ready and health → service checks (health with check_restart), restart → the restart block, resources → resources (CPU in MHz, 1000 per CPU), memory_limit → memory (or memory_max), stop → kill_signal and kill_timeout, log → logs, hosts → a constraint on the client meta mar_hosts.
Not expressible, listed on stderr and in each task's meta mar_not_expressed (--strict: exit 2): log, notify and after probes, exec probes without --service-provider consul, depends_on between services, ordered start of services, on-failure for services, restart backoff, stop.cmd, one-for-all/rest-for-one, watch.
A group of oneshots nothing depends on goes to a second, batch job (<stack>-oneshots.nomad.json). Existing files are an error unless --force; -o - prints the job(s) on stdout.
Run with: nomad job run -json DIR/<stack>.nomad.json`

  static override examples = ['<%= config.bin %> export nomad ./nomad --workdir /srv/shop', '<%= config.bin %> export nomad -o - > shop.nomad.json', '<%= config.bin %> export nomad ./nomad --driver exec --service-provider consul --strict']

  static override args = {
    dir: Args.string({description: 'Directory to write the job into (created if missing). Default: ./nomad.'}),
  }

  static override flags = {
    ...orchestratorExportFlags('Nomad'),
    driver: Flags.string({description: 'The task driver.', options: ['raw_exec', 'exec'], default: 'raw_exec'}),
    'service-provider': Flags.string({description: 'Who registers services and runs their checks (script checks need consul).', options: ['nomad', 'consul'], default: 'nomad'}),
    workdir: Flags.string({description: "Where the stack's directory is on the Nomad clients: a runner's cwd goes under it. Default: where it is for mar."}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ExportNomad)
    const cwd = process.cwd()
    const [{outputTarget, finishExport}, {loadPlanOrThrow}, {exportNomad}] = await Promise.all([import('../../cli/export-output.js'), import('../../cli/load-plan.js'), import('../../export/nomad/export.js')])
    const target = outputTarget(args.dir, flags.output, 'nomad', flags.json)
    const plan = await loadPlanOrThrow(flags.config, cwd)
    const result = exportNomad(plan, {
      driver: flags.driver as 'raw_exec' | 'exec',
      provider: flags['service-provider'] as 'nomad' | 'consul',
      workdir: flags.workdir,
      baseEnv: process.env,
      extraEnv: flags.env ?? [],
    })
    await finishExport(
      {stack: plan.name, engine: 'nomad', files: result.files, report: result.report, stdout: result.files.map((f) => f.content).join(''), next: (dir) => `run: ${result.files.map((f) => `nomad job run -json ${dir}/${f.name}`).join(' && ')}`},
      target,
      flags,
      {out: (t) => this.out(t), err: (t) => this.err(t), json: (v) => this.printJson(v)},
      cwd,
    )
  }
}
