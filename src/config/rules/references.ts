import {statSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'

import type {Finding} from '../../report/findings/finding.js'

import {humanPath} from '../paths.js'
import {defineConfigRule} from '../rule.js'
import {pointer, section, segments} from '../types.js'

export const unresolvedVariableRule = defineConfigRule({
  meta: {
    id: 'unresolved-variable',
    severity: 'warning',
    description:
      'A ${VAR} that is not set and has no ${VAR:-default}: the gateway would read an empty or literal value.',
  },
  check: (_config, ctx) =>
    [...ctx.unresolved].map(([ptr, names]) => {
      const path = segments(ptr)
      const list = [...new Set(names)]
      return ctx.report({
        path,
        message: `${humanPath(path)} uses ${list.map((n) => `\${${n}}`).join(', ')}, which ${list.length === 1 ? 'is' : 'are'} not set`,
        hint: `set ${list.join(', ')}, pass --env-file, or give a default: \${${list[0]}:-value}`,
        evidence: {variables: list},
      })
    }),
})

const TLS_FILES = ['certFile', 'keyFile', 'caFile'] as const

export const tlsFileMissingRule = defineConfigRule({
  meta: {
    id: 'tls-file-missing',
    severity: 'error',
    description:
      'tls.certFile, keyFile or caFile names a file that does not exist (relative paths are relative to the config file).',
  },
  check(config, ctx) {
    const tls = section(config, 'tls')
    const hits: Finding[] = []
    for (const key of TLS_FILES) {
      const file = tls[key]
      const path = ['tls', key]
      if (typeof file !== 'string' || !file || ctx.unresolved.has(pointer(path))) continue
      const full = isAbsolute(file) ? file : resolve(ctx.baseDir, file)
      let problem: string | undefined
      try {
        if (!statSync(full).isFile()) problem = 'is not a regular file'
      } catch (error) {
        const {code} = error as NodeJS.ErrnoException
        problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`
      }

      if (!problem) continue
      // Only the path is shown, never the file's content (a key file is a secret).
      hits.push(
        ctx.report({
          path,
          message: `tls.${key} ${JSON.stringify(file)} ${problem}${full === file ? '' : ` (${full})`}`,
          hint: "relative paths are resolved from the config file's directory",
          evidence: {file: full},
        }),
      )
    }

    return hits
  },
})
