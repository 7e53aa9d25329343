// The published JSON Schema of mar.yaml, generated from the zod schema so
// editors (yaml-language-server, VS Code, JetBrains) check and complete the
// same language the loader accepts. Draft-07: the widest editor support.
import * as z from 'zod'
import {Config} from './schema.js'

export function buildJsonSchema(): Record<string, unknown> {
  // io: 'input' describes what a user writes (`2s`), not what the plan holds (2000).
  const generated = z.toJSONSchema(Config, {io: 'input', target: 'draft-7'}) as Record<string, unknown>
  const {$schema, ...rest} = generated
  return {
    $schema,
    title: 'mar.yaml',
    ...rest,
  }
}

/** The file's text: stable key order, two-space indent, final newline (diff-friendly). */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`
}
