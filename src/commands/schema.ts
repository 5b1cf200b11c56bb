import {BaseCommand} from '../cli/base-command.js'
import {loadGatewaySchema} from '../config/index.js'

export default class Schema extends BaseCommand<typeof Schema> {
  static override summary = 'Print the gateway config JSON Schema (2020-12) for editors and CI'
  static override description = `The schema lint-config checks against, with titles and descriptions editors show as help. Point yaml-language-server at it with a first line in the config:

  # yaml-language-server: $schema=<path or URL of gateway.schema.json>`
  static override examples = ['<%= config.bin %> schema > gateway.schema.json', '<%= config.bin %> schema --json | jq .properties.routes']

  async run(): Promise<unknown> {
    const schema = loadGatewaySchema()
    if (!this.jsonEnabled()) process.stdout.write(JSON.stringify(schema, null, 2) + '\n')
    return schema
  }
}
