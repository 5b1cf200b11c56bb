// Spectral ruleset for bench/lint-config.sh (generated into bench/out/ with the schema inlined):
// Spectral's `schema` core function applying schema/gateway.schema.json, as mcp lint-config does.
import {schema} from '@stoplight/spectral-functions'

const gateway = __SCHEMA__

export default {
  rules: {
    'gateway-schema': {
      description: 'The document matches schema/gateway.schema.json',
      given: '$',
      severity: 'error',
      then: {function: schema, functionOptions: {schema: gateway, dialect: 'draft2020-12', allErrors: true}},
    },
  },
}
