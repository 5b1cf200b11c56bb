import type {AddressInfo} from 'node:net'

import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli} from '../helpers/cli.js'

/** A server on 127.0.0.1 that counts requests per "METHOD path" and remembers what each carried. */
interface CountingServer {
  url: string
  counts: Map<string, number>
  seen: Map<string, {headers: IncomingMessage['headers']; body: string}>
  close(): Promise<void>
}

async function startCountingServer(): Promise<CountingServer> {
  const counts = new Map<string, number>()
  const seen = new Map<string, {headers: IncomingMessage['headers']; body: string}>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const key = `${req.method} ${req.url}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
      if (!seen.has(key)) seen.set(key, {headers: req.headers, body: Buffer.concat(chunks).toString('utf8')})
      res.writeHead(req.url === '/missing' ? 404 : 200, {'content-type': 'text/plain'})
      res.end(req.method === 'HEAD' ? undefined : 'ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mcp-targets-it-'))
let server: CountingServer
before(async () => (server = await startCountingServer()))
after(async () => {
  await server.close()
  rmSync(dir, {recursive: true, force: true})
})

function targetsFile(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('mcp loadtest --targets (vegeta text format, 127.0.0.1 only)', () => {
  test('requests cycle round robin over the file; per-target counts in the table and --json; no header values', async () => {
    writeFileSync(join(dir, 'body.json'), '{"order": 42}')
    const file = targetsFile(
      'mix.txt',
      [
        '# a request mix',
        `GET ${server.url}/a`,
        'Authorization: Bearer s3cr3t-token-value',
        '',
        `POST ${server.url}/b`,
        'Content-Type: application/json',
        `@${join(dir, 'body.json')}`,
        '',
        `HEAD ${server.url}/c`,
        `GET ${server.url}/missing`,
        '',
      ].join('\n'),
    )
    server.counts.clear()
    const r = await runCli(['loadtest', '--targets', file, '-c', '2', '-d', '5s', '--requests', '400', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const json = JSON.parse(r.stdout)
    assert.equal(json.target.kind, 'targets')
    assert.equal(json.target.targets, 4)
    assert.equal(json.requests.total, 400)
    const rows = json.instances as {
      id: string
      line: number
      method: string
      requests: number
      headers: string[]
      status: Record<string, number>
    }[]
    assert.deepEqual(
      rows.map((i) => [i.line, i.id]),
      [
        [2, `GET ${server.url}/a`],
        [5, `POST ${server.url}/b`],
        [9, `HEAD ${server.url}/c`],
        [10, `GET ${server.url}/missing`],
      ],
    )
    // Round robin: each of the four gets a quarter (two connections, each cycling: within one request).
    for (const row of rows) assert.ok(Math.abs(row.requests - 100) <= 2, `${row.id}: ${row.requests}`)
    assert.deepEqual(rows[0]!.headers, ['Authorization'])
    assert.deepEqual(rows[3]!.status, {404: rows[3]!.requests})
    // What the server saw: the header and the @file body reached their own targets only.
    assert.equal(server.seen.get('GET /a')!.headers.authorization, 'Bearer s3cr3t-token-value')
    assert.equal(server.seen.get('POST /b')!.body, '{"order": 42}')
    assert.equal(server.seen.get('POST /b')!.headers['content-type'], 'application/json')
    assert.equal(server.seen.get('GET /missing')!.headers.authorization, undefined)
    assert.ok((server.counts.get('HEAD /c') ?? 0) >= 100, 'HEAD responses (no body) kept the connection in step')
    assert.doesNotMatch(r.stdout + r.stderr, /s3cr3t|"order"/)

    const report = join(dir, 'report.html')
    const human = await runCli([
      'loadtest',
      '--targets',
      file,
      '-c',
      '2',
      '-d',
      '5s',
      '--requests',
      '200',
      '--report',
      report,
    ])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /4 targets from .*mix\.txt, round robin/)
    assert.match(human.stdout, /^ {2}Per target$/m)
    assert.match(human.stdout, new RegExp(`^ {4}5 +POST ${server.url.replaceAll('.', String.raw`\.`)}/b +5\\d `, 'm'))
    assert.doesNotMatch(human.stdout + human.stderr, /s3cr3t/)
    const html = readFileSync(report, 'utf8')
    assert.match(html, /<h2>Per target<\/h2>/)
    assert.match(html, /line 5<\/div>/)
    assert.doesNotMatch(html, /s3cr3t|"order"/)
  })

  test('two event loops (built module): each cycles the targets; the counts merge per target', async () => {
    // The CLI does not use a second loop against a loopback server on a 2-core machine: drive the workers directly.
    const {runThreaded} = await import(new URL('../../dist/loadtest/threads.js', import.meta.url).href)
    const {buildRequest, parseLoadSettings} = await import(
      new URL('../../dist/loadtest/options.js', import.meta.url).href
    )
    const url = (path: string) => new URL(server.url + path)
    const target = (id: string, method: string) => ({
      id,
      host: '127.0.0.1',
      port: Number(url('/').port),
      tls: false,
      head: method === 'HEAD',
      request: buildRequest({...parseLoadSettings({}), method}, url(`/${id}`)),
    })
    server.counts.clear()
    const plan = {
      targets: [target('x', 'GET'), target('y', 'HEAD'), target('z', 'GET')],
      connections: 4,
      durationMs: 5000,
      warmupMs: 0,
      requests: 600,
      pipelining: 2,
      timeoutMs: 2000,
      head: false,
      cycle: true,
    }
    const outcome = await runThreaded(plan, 2)
    const got = outcome.recorders.map((r: {responses: number}) => r.responses)
    assert.equal(
      got.reduce((a: number, b: number) => a + b, 0),
      600,
    )
    for (const n of got) assert.ok(Math.abs(n - 200) <= 4, `per target ${got.join(', ')}`)
    assert.equal(outcome.recorders[0].connections, 4, "the endpoint's connections, counted on its first target")
    assert.ok((server.counts.get('HEAD /y') ?? 0) >= 200)
  })

  test('bad files: one line naming file:line, exit 3, nothing sent; secrets not echoed', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'header.txt',
        `GET ${server.url}/a\nAuthorization Bearer s3cr3t\n`,
        /header\.txt:2: expected a header "Name: value"/,
      ],
      ['method.txt', `\n\nFETCH ${server.url}/a\n`, /method\.txt:3: "FETCH" is not an HTTP method/],
      ['url.txt', `GET 127.0.0.1:1/a\n`, /url\.txt:1: .*is neither a URL nor a service name/],
      [
        'body.txt',
        `POST ${server.url}/a\n@${join(dir, 'nope.json')}\n`,
        /body\.txt:2: body file ".*nope\.json": no such file/,
      ],
      ['empty.txt', '# nothing\n\n', /empty\.txt: has no targets/],
    ]
    server.counts.clear()
    for (const [name, text, expected] of cases) {
      const r = await runCli(['loadtest', '--targets', targetsFile(name, text), '-d', '1s'])
      assert.equal(r.code, 3, `${name}: ${r.stderr}`)
      assert.match(r.stderr, expected, name)
      assert.equal(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.trim().startsWith('hint:')).length,
        1,
        `${name}: ${r.stderr}`,
      )
      assert.doesNotMatch(r.stderr, /s3cr3t/)
    }

    const missing = await runCli(['loadtest', '--targets', join(dir, 'absent.txt'), '-d', '1s'])
    assert.equal(missing.code, 3)
    assert.match(missing.stderr, /absent\.txt: no such file/)
    assert.equal(server.counts.size, 0, 'nothing was sent')
    const both = await runCli([
      'loadtest',
      `${server.url}/`,
      '--targets',
      targetsFile('one.txt', `GET ${server.url}/a\n`),
      '-d',
      '1s',
    ])
    assert.equal(both.code, 2)
    assert.match(both.stderr, /both a target .* and --targets given/)
    const none = await runCli(['loadtest', '-d', '1s'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /missing argument TARGET .* or --targets FILE/)
  })
})
