import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
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
  /** Files that parse but break the document's schema: a finding (exit 1) is the right answer (a document that is not a mapping is not a config at all: exit 3). */
  findings?: Set<string>
}

const READERS: Reader[] = [
  {command: 'lint-labels -f', argv: (f) => ['lint-labels', '-f', f], inputExit: 3, skip: /Dockerfile/},
  {
    command: 'lint-labels --dockerfile',
    argv: (f) => ['lint-labels', '--dockerfile', f],
    inputExit: 3,
    skip: /\.(yaml|json)$/,
  },
  {command: 'lint-config', argv: (f) => ['lint-config', f], inputExit: 3, skip: /Dockerfile/},
  {command: 'validate --config', argv: (f) => ['validate', '--config', f], inputExit: 3, skip: /Dockerfile/},
  {
    command: 'loadtest --compare',
    argv: (f) => ['loadtest', 'http://127.0.0.1:1/', '-d', '1s', '--compare', f],
    inputExit: 3,
    skip: /Dockerfile/,
  },
  {command: 'loadtest --targets', argv: (f) => ['loadtest', '--targets', f, '-d', '1s'], inputExit: 3},
]

/** Valid inputs in unusual encodings: they must be read, not refused. */
const VALID = new Set(['bom.yaml', 'crlf.yaml'])
/** Readers for which the valid files are still not valid input (a saved run must be mcp's JSON). */
const NOTHING_VALID = new Set(['loadtest --compare', 'loadtest --targets'])

describe('bad-input corpus: one clear line, the documented exit code, no stack trace, nothing written', () => {
  let work: string
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'mcpt-corpus-'))
    // Generated here rather than committed: a 10 MB single line, and a directory where a file belongs.
    writeFileSync(join(work, 'ten-mb-line.yaml'), `services: {web: {image: "${'x'.repeat(10 * 1024 * 1024)}"}}\n`)
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  const inputs = () => [
    ...readdirSync(CORPUS)
      .filter((f) => f !== 'README.md')
      .map((f) => join(CORPUS, f)),
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
        const valid =
          !NOTHING_VALID.has(reader.command) &&
          (VALID.has(name) || name === 'ten-mb-line.yaml' || Boolean(reader.findings?.has(name)))
        const output = r.stdout + r.stderr
        const expected = valid ? 'read and checked (exit 0 or 1)' : `one line, exit ${reader.inputExit}`
        const pass =
          (valid ? r.code === 0 || r.code === 1 : r.code === reader.inputExit) &&
          !hasStackTrace(output) &&
          (valid || output.includes(file === work ? 'directory' : name) || output.includes(file)) &&
          readdirSync(work).sort().join(',') === before.join(',')
        record({
          area: 'input',
          command: `mcp ${reader.command}`,
          case: name,
          expected,
          result: firstLine(valid ? r.stdout : r.stdout + r.stderr) || '(no output)',
          exitCode: r.code,
          ms,
          pass,
        })
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
        record({
          area: 'input',
          command: 'mcp discover (.mcp.yaml)',
          case: name,
          expected: 'one line naming .mcp.yaml, exit 3',
          result: firstLine(r.stderr),
          exitCode: r.code,
          ms: Date.now() - t0,
          pass,
        })
        assert.ok(pass, `${name}: exit ${r.code}: ${r.stderr}`)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    }
  })
})

describe('trace streams whatever it is given', () => {
  test('the corpus, a directory, a missing path, stdin of binary: searched or skipped with a note, grep exit codes', async () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736'
    for (const [what, argv, input, expectCode] of [
      ['every corpus file (binary skipped with a note)', ['trace', id, CORPUS], undefined, 1],
      ['a missing path', ['trace', id, join(CORPUS, 'nope.log')], undefined, 3],
      ['binary on stdin', ['trace', id, '-'], Buffer.from([0, 1, 2, 3, 255, 254]), 1],
    ] as const) {
      const t0 = Date.now()
      const r = await runCli([...argv], {input: input as Buffer | undefined})
      const pass = r.code === expectCode && !hasStackTrace(r.stderr)
      record({
        area: 'input',
        command: 'mcp trace',
        case: what,
        expected: `exit ${expectCode}, no stack`,
        result: firstLine(r.stderr),
        exitCode: r.code,
        ms: Date.now() - t0,
        pass,
      })
      assert.ok(pass, `${what}: exit ${r.code}\n${r.stderr}`)
    }
  })

  test('a 1 GiB file: streamed with flat memory, finds the one line', {timeout: 180_000}, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpt-gib-'))
    const file = join(dir, 'big.log')
    try {
      const id = 'a3ce929d0e0e47364bf92f3577b34da6'
      const line = Buffer.from(
        '2026-11-21T23:59:59.000Z INFO GET /api/orders 200 12ms trace_id=00000000000000000000000000000000 user=someone\n',
      )
      const block = Buffer.alloc(line.length * 65_536)
      for (let i = 0; i < 65_536; i++) line.copy(block, i * line.length)
      const {openSync, writeSync, closeSync} = await import('node:fs')
      const fd = openSync(file, 'w')
      let written = 0
      while (written < 1024 ** 3) written += writeSync(fd, block)
      writeSync(fd, Buffer.from(`2026-11-22T00:00:00.000Z ERROR upstream timeout trace_id=${id}\n`))
      closeSync(fd)
      const {spawn} = await import('node:child_process')
      const {CLI} = await import('../helpers/cli.js')
      const t0 = Date.now()
      const child = spawn(process.execPath, [CLI, 'trace', id, file, '--json'], {
        env: testEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let peakKb = 0
      const poll = setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          if (m) peakKb = Math.max(peakKb, Number(m[1]))
        } catch {
          // exited
        }
      }, 20)
      let stdout = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
      clearInterval(poll)
      const ms = Date.now() - t0
      const found = (stdout.match(/upstream timeout/g) ?? []).length
      const pass = code === 0 && found >= 1 && peakKb > 0 && peakKb < 200 * 1024
      record({
        area: 'input',
        command: 'mcp trace',
        case: '1 GiB log file, one matching line at the end',
        expected: 'found, RSS < 200 MB',
        result: `found ${found}; peak RSS ${Math.round(peakKb / 1024)} MB`,
        exitCode: code,
        ms,
        pass,
      })
      assert.ok(pass, `exit ${code}, found ${found}, peak ${peakKb} kB`)
    } finally {
      rmSync(dir, {recursive: true, force: true})
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
    [
      'TLS files that are not PEM',
      [
        'discover',
        '--source',
        'etcd',
        '--etcd-endpoints',
        'https://127.0.0.1:1',
        '--etcd-key',
        '/etc/hostname',
        '--etcd-cert',
        '/etc/hostname',
      ],
    ],
    ['rate 0', ['loadtest', 'http://127.0.0.1:1/', '-R', '0']],
    ['negative duration', ['loadtest', 'http://127.0.0.1:1/', '-d', '-5s']],
    ['port 0', ['loadtest', 'http://127.0.0.1:0/']],
    ['not a URL', ['loadtest', 'http//nope']],
    ['zero connections', ['loadtest', 'http://127.0.0.1:1/', '-c', '0']],
    ['unknown command', ['discvoer']],
    ['trace id too short', ['trace', 'abc']],
    ['lint-config unknown format', ['lint-config', '--format', 'yaml']],
  ]
  for (const [what, argv] of CASES) {
    test(`${argv[0]}: ${what}`, async () => {
      const t0 = Date.now()
      const r = await runCli(argv, {env: testEnv()})
      const pass = r.code === 2 && !hasStackTrace(r.stderr) && r.stderr.trim().split('\n').length <= 3
      record({
        area: 'flag',
        command: `mcp ${argv[0]}`,
        case: `${what}: ${argv.slice(1).join(' ')}`,
        expected: 'one line, exit 2',
        result: firstLine(r.stderr),
        exitCode: r.code,
        ms: Date.now() - t0,
        pass,
      })
      assert.ok(pass, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`)
    })
  }
})
