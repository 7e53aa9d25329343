// Build step (scripts/build.mjs): `node dist/schema-gen.js schema/mar.schema.json`
// writes the JSON Schema shipped in the package. A test checks the committed
// file equals a fresh generation.
import {writeFileSync} from 'node:fs'
import {renderJsonSchema} from './json-schema.js'

const out = process.argv[2]
if (!out) {
  process.stderr.write('usage: node dist/schema-gen.js OUT.json\n')
  process.exit(2)
}
writeFileSync(out, renderJsonSchema())
