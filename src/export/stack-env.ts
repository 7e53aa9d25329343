// Which variables an export writes for a runner, and which of them are
// secrets. Only what the stack declares (its env files and env, top level
// and the runner's own) and the variables asked for by name (--env) leave
// this machine: the shell mar runs in holds the user's own tokens and
// paths, which no cluster should receive. Values of secret-looking keys are
// never written at all — the engine's secret store gets a placeholder.
import {stackEnvKeys} from '../config/describe-plan.js'
import type {InstancePlan, RunnerPlan} from '../config/types.js'

/** `*_KEY`, `*_TOKEN`, and anything naming a password or a secret (case-insensitive). */
const SECRET_NAME = /(_KEY|_TOKEN)$|PASSWORD|PASSWD|SECRET/i

export function isSecretName(key: string): boolean {
  return SECRET_NAME.test(key)
}

/** PORT and MAR_* describe the instance; each engine sets them its own way. */
function isInstanceVariable(key: string): boolean {
  return key === 'PORT' || key.startsWith('MAR_')
}

export interface RunnerEnv {
  /** Declared keys with their values, sorted by key. */
  plain: Array<[key: string, value: string]>
  /** Declared keys that look secret: their names only. */
  secret: string[]
}

export interface EnvOptions {
  /** The environment the plan was made in (for plans that predate RunnerPlan.declaredEnv). */
  baseEnv: Record<string, string | undefined>
  /** Inherited variables to export as well, by name (--env). */
  extraEnv: readonly string[]
}

export function runnerEnv(runner: RunnerPlan, instance: InstancePlan, options: EnvOptions): RunnerEnv {
  const declared = runner.declaredEnv ?? stackEnvKeys(instance, options.baseEnv)
  const keys = new Set(declared.filter((key) => !isInstanceVariable(key)))
  for (const key of options.extraEnv) if (key in instance.env && !isInstanceVariable(key)) keys.add(key)
  const plain: Array<[string, string]> = []
  const secret: string[] = []
  for (const key of [...keys].sort()) {
    if (isSecretName(key)) secret.push(key)
    else plain.push([key, instance.env[key] ?? ''])
  }
  return {plain, secret}
}
