import type {Attack} from './run.mjs'

export const attacks: Attack[]
