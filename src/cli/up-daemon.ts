// Placeholder until the daemon lands: `mar up` without -f.
import type {StackPlan} from '../config/types.js'
import {ExitCode, MarError} from '../util/errors.js'

export interface UpOptions {
  wait: boolean
  timeout: string
  json: boolean
  color: boolean
  quiet: boolean
  ui: boolean
}

export async function upInDaemon(_plan: StackPlan, _targets: string[], _options: UpOptions): Promise<number> {
  throw new MarError('not-implemented', 'the daemon is not available yet', {hint: 'use `mar up -f` to run in the foreground', exitCode: ExitCode.daemon})
}
