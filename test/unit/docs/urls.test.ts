import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {ROOT} from '../../helpers/cli.js'

/**
 * Hosts the shipped text may send a reader to: they exist and serve what is linked. The project has
 * no public repository or documentation host, so a link to one (github.com/…, a raw download URL)
 * would be a dead end or, worse, someone else's project.
 */
const KNOWN_HOSTS = new Set(['json-schema.org', 'json.schemastore.org', 'semver.org', 'pre-commit.com', 'www.w3.org'])

function files(dir: string, match: RegExp): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name)
    return statSync(join(ROOT, path)).isDirectory() ? files(path, match) : match.test(name) ? [path] : []
  })
}

/** Every http(s) URL with a public-looking host name (placeholders and IP addresses left out). */
function publicUrls(text: string): {url: string; host: string}[] {
  const out: {url: string; host: string}[] = []
  for (const [url] of text.matchAll(/https?:\/\/[^\s)"'`<>\]]+/g)) {
    if (url.includes('${')) continue // a template, not a link
    let host: string
    try {
      host = new URL(url).hostname
    } catch {
      continue // a placeholder such as http://${addr}
    }

    if (!host.includes('.') || /^[\d.]+$/.test(host) || host.startsWith('[')) continue
    out.push({url, host})
  }

  return out
}

describe('links in what ships and what users read', () => {
  const shipped = [
    'README.md',
    'action.yml',
    '.pre-commit-hooks.yaml',
    ...files('docs', /\.md$/),
    ...files('schema', /\.json$/),
    ...files('src', /\.ts$/),
  ]

  test('name only hosts that exist (no repository or download host the project does not have)', () => {
    const dead = shipped.flatMap((file) =>
      publicUrls(readFileSync(join(ROOT, file), 'utf8'))
        .filter(({host}) => !KNOWN_HOSTS.has(host))
        .map(({url}) => `${file}: ${url}`),
    )
    assert.deepEqual(dead, [])
  })

  test('the npm names of other projects are not offered as ours', () => {
    const offenders = shipped.filter((file) => /\bnpx (--yes )?mcp-cli\b|npm install (-g )?mcp-cli\b/.test(readFileSync(join(ROOT, file), 'utf8')))
    assert.deepEqual(offenders, [])
  })

  test('the schema is named by a URN, not a download location', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/gateway.schema.json'), 'utf8')) as {$id: string}
    assert.match(schema.$id, /^urn:/)
  })
})
