// Regenerates src/rules/rule-docs.generated.ts from the rule sections of docs/rules.md,
// docs/config-rules.md and docs/doctor.md: node --import tsx scripts/generate-rule-docs.ts
import {readFileSync, writeFileSync} from 'node:fs'

import {generateRuleDocsSource, RULE_DOC_PAGES} from '../src/rules/rule-docs-codegen.js'

const root = new URL('..', import.meta.url)
const read = (page: string) => readFileSync(new URL(`docs/${page}`, root), 'utf8')
const pages = RULE_DOC_PAGES.map(({command, page, heading, ids}) => ({command, heading, ids, markdown: read(page)}))
const out = new URL('src/rules/rule-docs.generated.ts', root)
writeFileSync(out, generateRuleDocsSource(pages))
console.log(`wrote ${out.pathname}`)
