import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import validateGateway from './gateway-validator.generated.js'

/** schema/gateway.schema.json, the published format (same relative place from src/ and dist/). */
export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/gateway.schema.json', import.meta.url))

export interface JsonSchema {
  $id?: string
  title?: string
  description?: string
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  additionalProperties?: boolean | JsonSchema
  $ref?: string
  $defs?: Record<string, JsonSchema>
  enum?: unknown[]
  default?: unknown
  anyOf?: JsonSchema[]
  required?: string[]
  pattern?: string
  [keyword: string]: unknown
}

let schemaCache: JsonSchema | undefined

export function loadGatewaySchema(): JsonSchema {
  schemaCache ??= JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as JsonSchema
  return schemaCache
}

/** The subset of an ajv error we use (the generated validator returns ajv's ErrorObject). */
export interface SchemaError {
  instancePath: string
  schemaPath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
  parentSchema?: JsonSchema
  data?: unknown
}

/** Validate a plain config value against the gateway schema (the precompiled validator). */
export function validateAgainstSchema(value: unknown): SchemaError[] {
  const validate = validateGateway as unknown as ((data: unknown) => boolean) & {errors?: SchemaError[] | null}
  return validate(value) ? [] : [...(validate.errors ?? [])]
}

/** One key the schema defines, with its dotted path (`routes[].match.pathPrefix`). */
export interface SchemaKey {
  path: string
  name: string
  schema: JsonSchema
}

function resolveRef(root: JsonSchema, schema: JsonSchema): JsonSchema {
  if (!schema.$ref?.startsWith('#/$defs/')) return schema
  const target = root.$defs?.[schema.$ref.slice('#/$defs/'.length)]
  // Keep the referring schema's own title/description (they describe the key, the def the type).
  return target ? {...target, ...schema, $ref: undefined} : schema
}

/** Every key the schema defines, depth first, for docs coverage and "did you mean" across levels. */
export function schemaKeys(root = loadGatewaySchema()): SchemaKey[] {
  const out: SchemaKey[] = []
  const walk = (schema: JsonSchema, prefix: string) => {
    const s = resolveRef(root, schema)
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name
      const resolved = resolveRef(root, child)
      out.push({path, name, schema: resolved})
      walk(resolved, path)
      if (resolved.items) walk(resolveRef(root, resolved.items), `${path}[]`)
    }
  }

  walk(root, '')
  return out
}
