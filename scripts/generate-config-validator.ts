// Regenerates src/config/gateway-validator.generated.ts from schema/gateway.schema.json.
// Run after editing the schema: node --import tsx scripts/generate-config-validator.ts
import {readFileSync, writeFileSync} from 'node:fs'

import {generateValidatorSource} from '../src/config/validator-codegen.js'

const root = new URL('..', import.meta.url)
const schema = JSON.parse(readFileSync(new URL('schema/gateway.schema.json', root), 'utf8')) as object
const out = new URL('src/config/gateway-validator.generated.ts', root)
writeFileSync(out, generateValidatorSource(schema))
console.log(`wrote ${out.pathname}`)
