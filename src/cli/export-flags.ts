// The flags `mar export kubernetes` and `mar export nomad` share, declared
// once so the two commands cannot drift apart. Only oclif's Flags here: the
// command modules load it at start-up, the export code itself loads later.
import {Flags} from '@oclif/core'

/** -o, --force, --strict and --env, worded for the engine named. */
export function orchestratorExportFlags(engine: string) {
  return {
    output: Flags.string({char: 'o', description: 'Where to write: a directory (like DIR), or - for stdout.'}),
    force: Flags.boolean({char: 'f', description: 'Overwrite existing files.'}),
    strict: Flags.boolean({description: `Exit 2, writing nothing, when a key of mar.yaml cannot be expressed in ${engine}.`}),
    env: Flags.string({description: 'Also export this inherited environment variable (repeatable); by default only what the stack declares.', multiple: true, multipleNonGreedy: true}),
  }
}
