// `mar export kubernetes [DIR]`: the stack of this directory as Kubernetes
// objects. Thin: the mapping lives in src/export/kubernetes, the output in
// src/cli/export-output.ts.
import {Args, Flags} from '@oclif/core'
import {MarCommand} from '../../cli/base-command.js'
import {orchestratorExportFlags} from '../../cli/export-flags.js'

export default class ExportKubernetes extends MarCommand {
  static override description = `Write the stack as Kubernetes objects, one YAML file per runner, for kubectl apply -f DIR.
Mapped: a runner → a Deployment (replicas = scale), a oneshot → a Job; cmd → the container's command (an argv as is, a string through /bin/sh -c), cwd → workingDir (under --workdir), env and env_file → a ConfigMap (variables named *_KEY, *_TOKEN, *PASSWORD*, *SECRET* → a Secret with empty placeholders: values are never exported), port → containerPort and a Service, ready → startupProbe and readinessProbe, health → livenessProbe (http → httpGet, tcp → tcpSocket, exec → exec), resources → requests and limits, memory_limit → the memory limit, stop → terminationGracePeriodSeconds (stop.cmd → a preStop hook), restart → what a Deployment or Job allows, depends_on and ordered groups → init containers that wait with kubectl for the Job or Deployment, hosts → node affinity on labels mar/NAME, image: (or --image) → the image.
Not expressible, listed on stderr and in a comment in each file (--strict: exit 2): log, notify and after probes, watch, restart limits and backoff, one-for-all/rest-for-one, per-runner log rotation.
Objects go to the namespace named after the stack (a Namespace object is written), or to --namespace. Existing files are an error unless --force; -o - prints everything on stdout.
Apply with: kubectl apply -f DIR`

  static override examples = ['<%= config.bin %> export kubernetes ./k8s --image registry.example.com/shop:1.4', '<%= config.bin %> export kubernetes -o - | kubectl apply --dry-run=server -f -', '<%= config.bin %> export kubernetes ./k8s --strict --namespace shop-prod']

  static override args = {
    dir: Args.string({description: 'Directory to write the files into (created if missing). Default: ./kubernetes.'}),
  }

  static override flags = {
    ...orchestratorExportFlags('Kubernetes'),
    image: Flags.string({description: 'Image of every runner without an image: of its own (wins over the top-level image:).'}),
    namespace: Flags.string({description: 'An existing namespace to put the objects in (no Namespace object is written). Default: the stack name.'}),
    workdir: Flags.string({description: "Where the stack's directory is inside the image: a runner's cwd goes under it."}),
    'kubectl-image': Flags.string({description: 'Image of the init containers that wait for dependencies (it needs kubectl).', default: 'registry.k8s.io/kubectl:v1.33.0'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ExportKubernetes)
    const cwd = process.cwd()
    const [{outputTarget, finishExport}, {loadPlanOrThrow}, {exportKubernetes}] = await Promise.all([import('../../cli/export-output.js'), import('../../cli/load-plan.js'), import('../../export/kubernetes/export.js')])
    const target = outputTarget(args.dir, flags.output, 'kubernetes', flags.json)
    const plan = await loadPlanOrThrow(flags.config, cwd)
    const result = exportKubernetes(plan, {
      image: flags.image,
      namespace: flags.namespace,
      workdir: flags.workdir,
      kubectlImage: flags['kubectl-image'],
      baseEnv: process.env,
      extraEnv: flags.env ?? [],
    })
    const stdout = result.files.map((f) => f.content).join('---\n')
    await finishExport(
      {stack: plan.name, engine: 'kubernetes', files: result.files, report: result.report, stdout, next: (dir) => `apply: kubectl apply -f ${dir}`},
      target,
      flags,
      {out: (t) => this.out(t), err: (t) => this.err(t), json: (v) => this.printJson(v)},
      cwd,
    )
  }
}
