import {statSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'

import {humanPath} from '../paths.js'
import {ConfigRule, docsUri, pointer, RuleHit, section, segments} from '../types.js'

export const unresolvedVariableRule: ConfigRule = {
  meta: {
    id: 'unresolved-variable',
    defaultSeverity: 'warning',
    description: 'A ${VAR} that is not set and has no ${VAR:-default}: the gateway would read an empty or literal value.',
    helpUri: docsUri('unresolved-variable'),
  },
  check: (ctx) =>
    [...ctx.unresolved].map(([ptr, names]): RuleHit => {
      const path = segments(ptr)
      const list = [...new Set(names)]
      return {
        path,
        message: `${humanPath(path)} uses ${list.map((n) => `\${${n}}`).join(', ')}, which ${list.length === 1 ? 'is' : 'are'} not set`,
        hint: `set ${list.join(', ')}, pass --env-file, or give a default: \${${list[0]}:-value}`,
        evidence: {variables: list},
      }
    }),
}

const TLS_FILES = ['certFile', 'keyFile', 'caFile'] as const

export const tlsFileMissingRule: ConfigRule = {
  meta: {
    id: 'tls-file-missing',
    defaultSeverity: 'error',
    description: 'tls.certFile, keyFile or caFile names a file that does not exist (relative paths are relative to the config file).',
    helpUri: docsUri('tls-file-missing'),
  },
  check(ctx) {
    const tls = section(ctx.config, 'tls')
    const hits: RuleHit[] = []
    for (const key of TLS_FILES) {
      const file = tls[key]
      const path = ['tls', key]
      if (typeof file !== 'string' || !file || ctx.unresolved.has(pointer(path))) continue
      const full = isAbsolute(file) ? file : resolve(ctx.baseDir, file)
      let problem: string | undefined
      try {
        if (!statSync(full).isFile()) problem = 'is not a regular file'
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`
      }
      if (!problem) continue
      // Only the path is shown, never the file's content (a key file is a secret).
      hits.push({
        path,
        message: `tls.${key} ${JSON.stringify(file)} ${problem}${full !== file ? ` (${full})` : ''}`,
        hint: 'relative paths are resolved from the config file\'s directory',
        evidence: {file: full},
      })
    }
    return hits
  },
}
