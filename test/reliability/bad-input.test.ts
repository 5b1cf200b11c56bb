import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ROOT, runCli, testEnv} from '../helpers/cli.js'
import {firstLine, hasStackTrace, record} from './record.js'

const CORPUS = join(ROOT, 'test', 'corpus')

/** How a command takes a file: the argv for a path. */
interface Reader {
  command: string
  argv: (file: string) => string[]
  /** Exit code for an unreadable / unparseable input. */
  inputExit: number
  /** Corpus files this reader is not for (e.g. a Dockerfile corpus entry for a YAML reader). */
  skip?: RegExp
}

const READERS: Reader[] = [
  {command: 'lint-labels -f', argv: (f) => ['lint-labels', '-f', f], inputExit: 3, skip: /Dockerfile/},
  {command: 'lint-labels --dockerfile', argv: (f) => ['lint-labels', '--dockerfile', f], inputExit: 3, skip: /\.(yaml|json)$/},
]

/** Valid inputs in unusual encodings: they must be read, not refused. */
const VALID = new Set(['bom.yaml', 'crlf.yaml'])

describe('bad-input corpus: one clear line, the documented exit code, no stack trace, nothing written', () => {
  let work: string
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'mcpt-corpus-'))
    // Generated here rather than committed: a 10 MB single line, and a directory where a file belongs.
    writeFileSync(join(work, 'ten-mb-line.yaml'), `services: {web: {image: "${'x'.repeat(10 * 1024 * 1024)}"}}\n`)
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  const inputs = () => [
    ...readdirSync(CORPUS).filter((f) => f !== 'README.md').map((f) => join(CORPUS, f)),
    join(work, 'ten-mb-line.yaml'),
    join(work, 'does-not-exist.yaml'),
    work, // a directory where a file belongs
  ]

  for (const reader of READERS) {
    test(reader.command, async () => {
      for (const file of inputs()) {
        const name = file === work ? '(a directory)' : file.slice(file.lastIndexOf('/') + 1)
        if (reader.skip?.test(name)) continue
        const before = readdirSync(work).sort()
        const t0 = Date.now()
        const r = await runCli(reader.argv(file), {env: testEnv(), cwd: work})
        const ms = Date.now() - t0
        const valid = VALID.has(name) || name === 'ten-mb-line.yaml'
        const output = r.stdout + r.stderr
        const expected = valid ? 'read and checked (exit 0 or 1)' : `one line, exit ${reader.inputExit}`
        const pass =
          (valid ? r.code === 0 || r.code === 1 : r.code === reader.inputExit) &&
          !hasStackTrace(output) &&
          (valid || output.includes(file === work ? 'directory' : name) || output.includes(file)) &&
          readdirSync(work).sort().join() === before.join()
        record({area: 'input', command: `mcp ${reader.command}`, case: name, expected, result: firstLine(valid ? r.stdout : r.stdout + r.stderr) || '(no output)', exitCode: r.code, ms, pass})
        assert.ok(pass, `${reader.command} ${name}: exit ${r.code}\n${output.slice(0, 600)}`)
      }
    })
  }

  test('a broken .mcp.yaml: every command says where, exit 3', async () => {
    for (const name of ['malformed.yaml', 'duplicate-keys.yaml', 'alias-bomb.yaml', 'binary.bin', 'non-utf8.yaml']) {
      const dir = mkdtempSync(join(tmpdir(), 'mcpt-cfg-'))
      try {
        writeFileSync(join(dir, '.mcp.yaml'), (await import('node:fs')).readFileSync(join(CORPUS, name)))
        const t0 = Date.now()
        const r = await runCli(['discover', '--source', 'docker', '--timeout', '1s'], {env: testEnv(), cwd: dir})
        const pass = r.code === 3 && r.stderr.includes('.mcp.yaml') && !hasStackTrace(r.stderr) && r.stdout === ''
        record({area: 'input', command: 'mcp discover (.mcp.yaml)', case: name, expected: 'one line naming .mcp.yaml, exit 3', result: firstLine(r.stderr), exitCode: r.code, ms: Date.now() - t0, pass})
        assert.ok(pass, `${name}: exit ${r.code}: ${r.stderr}`)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    }
  })
})

describe('bad flag values: one line, exit 2', () => {
  const CASES: [string, string[]][] = [
    ['negative duration', ['discover', '--timeout', '-5s']],
    ['zero duration', ['discover', '--timeout', '0s']],
    ['unknown source', ['discover', '--source', 'zookeeper']],
    ['unknown format', ['lint-labels', '--format', 'xml']],
    ['unknown --fail-on', ['lint-labels', '--fail-on', 'fatal']],
    ['negative --max-warnings', ['lint-labels', '--max-warnings', '-1']],
    ['bad --rule', ['lint-labels', '--rule', 'nope']],
    ['unknown flag', ['discover', '--bogus']],
    ['etcd key without a certificate', ['discover', '--source', 'etcd', '--etcd-key', '/etc/hostname']],
    ['TLS files that are not PEM', ['discover', '--source', 'etcd', '--etcd-endpoints', 'https://127.0.0.1:1', '--etcd-key', '/etc/hostname', '--etcd-cert', '/etc/hostname']],
    ['rate 0', ['loadtest', 'http://127.0.0.1:1/', '-R', '0']],
    ['negative duration', ['loadtest', 'http://127.0.0.1:1/', '-d', '-5s']],
    ['port 0', ['loadtest', 'http://127.0.0.1:0/']],
    ['not a URL', ['loadtest', 'http//nope']],
    ['zero connections', ['loadtest', 'http://127.0.0.1:1/', '-c', '0']],
    ['unknown command', ['discvoer']],
  ]
  for (const [what, argv] of CASES) {
    test(`${argv[0]}: ${what}`, async () => {
      const t0 = Date.now()
      const r = await runCli(argv, {env: testEnv()})
      const pass = r.code === 2 && !hasStackTrace(r.stderr) && r.stderr.trim().split('\n').length <= 3
      record({area: 'flag', command: `mcp ${argv[0]}`, case: `${what}: ${argv.slice(1).join(' ')}`, expected: 'one line, exit 2', result: firstLine(r.stderr), exitCode: r.code, ms: Date.now() - t0, pass})
      assert.ok(pass, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`)
    })
  }
})
