/**
 * Gateway label conventions, importable without oclif: sources (compose, Dockerfile, container)
 * produce LabelSets; rules turn them into Findings. lint-labels and doctor both use this.
 */
export {
  checkContainerLabels,
  checkLabelSets,
  findComposeFiles,
  inputErrorFinding,
  LINT_LABELS_RULES,
  lintLabels,
} from './lint.js'
export type {LintLabelsOptions, LintLabelsResult} from './lint.js'
export {LABEL_RULE_META, LABEL_RULES} from './rules/index.js'
export type {LabelRule, RuleContext} from './rules/index.js'
export {loadComposeProject, parseComposeFile} from './sources/compose.js'
export type {ComposeProject, ComposeProjectOptions} from './sources/compose.js'
export {containerLabelSet} from './sources/container.js'
export {parseDockerfile} from './sources/dockerfile.js'
export type {LabelEntry, LabelSet, PortDeclaration} from './types.js'
