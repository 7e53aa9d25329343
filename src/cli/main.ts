// Bundled entry for oclif: bin/run.js imports this after its fast paths.
import {execute, settings} from '@oclif/core'

export async function main(dir: string, options: {development?: boolean} = {}): Promise<void> {
  // mar runs only its compiled bundle. Left on, oclif's auto-transpile looks
  // for TypeScript whenever NODE_ENV is development or test — as it often is
  // in a developer's shell — and in an installed mar, which has none, warns
  // "Could not find typescript" on stderr before every command.
  settings.enableAutoTranspile = false
  await execute({dir, development: options.development})
}
