import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {findRules, ruleCatalog, type RuleEntry} from '../rules/catalog.js'
import {renderRule, renderRuleList} from '../rules/render.js'

export default class Rules extends BaseCommand<typeof Rules> {
  static override summary = 'List the rules of lint-labels, lint-config and doctor, or explain one with examples'
  static override description = `Every rule id and doctor code with the command that reports it, its default severity and what it checks, from the same data the linters use. With an ID, the rule's explanation: what it finds, why it matters, the fix, and bad and good examples. Change a rule's severity with --rule ID=off|info|warning|error or rules: in .mcp.yaml.`
  static override examples = [
    '<%= config.bin %> rules',
    '<%= config.bin %> rules health-path-missing',
    '<%= config.bin %> rules UNREGISTERED',
    '<%= config.bin %> rules --json | jq -r \'.rules[] | select(.defaultSeverity == "warning") | .id\'',
  ]
  static override args = {id: Args.string({description: 'A rule id or doctor code to explain'})}

  async run(): Promise<{rules: RuleEntry[]}> {
    const catalog = ruleCatalog()
    const rules = this.args.id === undefined ? catalog : findRules(this.args.id, catalog)
    if (!this.jsonEnabled()) {
      const text =
        this.args.id === undefined
          ? renderRuleList(rules, this.color)
          : rules.map((r) => renderRule(r, this.color)).join('\n')
      this.print(text)
    }

    return {rules}
  }
}
