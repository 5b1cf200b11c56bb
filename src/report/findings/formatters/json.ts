import type {Formatter} from './types.js'

import {sortFindings} from '../finding.js'
import {summarize} from '../policy.js'

/** Machine-readable findings: `{ findings: [...], summary }` (docs/json.md). */
export const json: Formatter = (findings) =>
  JSON.stringify({findings: sortFindings(findings), summary: summarize(findings)}, null, 2) + '\n'
