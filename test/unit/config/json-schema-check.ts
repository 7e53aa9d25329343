// A tiny JSON Schema (draft-07) checker for exactly the keywords our
// generated schema uses, so tests can prove editors would accept the
// examples without adding a validator dependency. It fails loudly on any
// keyword it does not know, so it cannot silently pass a new construct.
type Schema = Record<string, unknown>

const KNOWN = new Set(['$schema', 'title', 'description', 'type', 'properties', 'additionalProperties', 'required', 'anyOf', 'enum', 'const', 'pattern', 'items', 'minItems', 'minimum', 'maximum', 'exclusiveMinimum', 'minLength', 'maxLength', 'propertyNames', 'default', 'examples'])

function typeOf(value: unknown): string[] {
  if (value === null) return ['null']
  if (Array.isArray(value)) return ['array']
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number']
  return [typeof value]
}

/** Error messages (path: problem); empty when value is valid. */
export function checkJsonSchema(schema: Schema, value: unknown, path = '$'): string[] {
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`json-schema-check: unsupported keyword ${key} at ${path}`)
  const errors: string[] = []
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]
    if (!typeOf(value).some((t) => types.includes(t))) return [`${path}: expected ${types.join('|')}`]
  }
  if (schema.const !== undefined && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`)
  if (schema.enum !== undefined && !(schema.enum as unknown[]).includes(value)) errors.push(`${path}: not in enum`)
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern as string, 'u').test(value)) errors.push(`${path}: does not match ${schema.pattern}`)
    if (schema.minLength !== undefined && value.length < (schema.minLength as number)) errors.push(`${path}: too short`)
    if (schema.maxLength !== undefined && value.length > (schema.maxLength as number)) errors.push(`${path}: too long`)
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < (schema.minimum as number)) errors.push(`${path}: below minimum`)
    if (schema.maximum !== undefined && value > (schema.maximum as number)) errors.push(`${path}: above maximum`)
    if (schema.exclusiveMinimum !== undefined && value <= (schema.exclusiveMinimum as number)) errors.push(`${path}: not above exclusiveMinimum`)
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < (schema.minItems as number)) errors.push(`${path}: too few items`)
    if (schema.items !== undefined) value.forEach((item, i) => errors.push(...checkJsonSchema(schema.items as Schema, item, `${path}[${i}]`)))
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    const properties = (schema.properties ?? {}) as Record<string, Schema>
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) errors.push(`${path}: missing ${key}`)
    for (const [key, child] of Object.entries(object)) {
      if (schema.propertyNames !== undefined) errors.push(...checkJsonSchema(schema.propertyNames as Schema, key, `${path}{${key}}`))
      if (properties[key]) errors.push(...checkJsonSchema(properties[key], child, `${path}.${key}`))
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown key ${key}`)
      else if (typeof schema.additionalProperties === 'object') errors.push(...checkJsonSchema(schema.additionalProperties as Schema, child, `${path}.${key}`))
    }
  }
  if (schema.anyOf !== undefined) {
    const branches = (schema.anyOf as Schema[]).map((branch) => checkJsonSchema(branch, value, path))
    if (!branches.some((b) => b.length === 0)) errors.push(`${path}: matches no anyOf branch (${branches.map((b) => b[0]).join('; ')})`)
  }
  return errors
}
