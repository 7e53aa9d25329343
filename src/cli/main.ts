// Bundled entry for oclif: bin/run.js imports this after its fast paths.
import {execute} from '@oclif/core'

export async function main(dir: string, options: {development?: boolean} = {}): Promise<void> {
  await execute({dir, development: options.development})
}
