import * as Flags from '@oclif/core/flags'

import type {JsonSchema} from '../config/schema.js'

import {BaseCommand} from '../cli/base-command.js'
import {loadGatewaySchema, SCHEMA_PATH} from '../config/index.js'
import {writeFileAtomic} from '../core/atomic-write.js'
import {InputError} from '../core/errors.js'

export default class Schema extends BaseCommand<typeof Schema> {
  static override summary = 'Print the gateway config JSON Schema (2020-12) for editors and CI'
  static override description = `The schema lint-config checks against, with titles and descriptions editors show as help. Keep a copy beside your config with --out, and point yaml-language-server at it with a first line in the config:

  # yaml-language-server: $schema=./gateway.schema.json

The installed package holds the same file at schema/gateway.schema.json.`
  static override examples = [
    '<%= config.bin %> schema --out gateway.schema.json',
    '<%= config.bin %> schema > gateway.schema.json',
    '<%= config.bin %> schema --json | jq .properties.routes',
  ]
  static override flags = {
    out: Flags.string({
      description: 'Write the schema to this file (replaced whole, never half-written) instead of standard output',
    }),
  }

  async run(): Promise<JsonSchema> {
    const schema = loadGatewaySchema()
    const text = JSON.stringify(schema, null, 2) + '\n'
    if (this.flags.out) {
      try {
        writeFileAtomic(this.flags.out, text)
      } catch (error) {
        throw new InputError(`cannot write ${this.flags.out}: ${(error as Error).message}`, {
          hint: 'check that its directory exists and is writable',
        })
      }

      this.warnLine(`wrote ${this.flags.out} (a copy of ${SCHEMA_PATH})`)
    } else {
      this.print(text)
    }

    return schema
  }
}
