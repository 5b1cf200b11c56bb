import type {AddressInfo} from 'node:net'

/**
 * Hostile servers (issue 18): a fake etcd (h2c and TLS), a fake Docker Engine API (unix socket and
 * tcp) and a fake Consul, each answering in one bad way. Every case asserts that the command ends
 * within --timeout + 2 s, that its peak RSS stays under PEAK_RSS_MB, that stderr holds one line and
 * no stack, and the exit code (4 partial, 5 unreachable). All on 127.0.0.1; every loop bounded.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {CLI, ROOT, testEnv} from '../helpers/cli.js'
import {
  EtcdMode,
  Http1Mode,
  Listening,
  makeTestCert,
  startFakeEtcd,
  startFakeHttp1,
  TestCert,
} from '../helpers/hostile-servers.js'
import {requireDocker, requireEtcd, TEST_ETCD, uniqueName} from '../helpers/services.js'
import {firstLine, hasStackTrace, record} from './record.js'

/** Peak resident memory allowed to a command facing any of these servers. */
const PEAK_RSS_MB = 200
const TIMEOUT_S = 2
/** Another build's bin/run.js can be pointed at, to see these cases fail on it. */
const CLI_UNDER_TEST = process.env.MCP_HOSTILE_CLI ?? CLI

interface Measured {
  code: number | null
  stdout: string
  stderr: string
  ms: number
  peakRssMb: number
}

/** Run the CLI under /usr/bin/time (its peak RSS), killed if it outlives budget + 10 s. */
function runMeasured(args: string[], budgetMs: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-hostile-'))
  const rssFile = join(dir, 'rss')
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn('/usr/bin/time', ['-o', rssFile, '-f', '%M', process.execPath, CLI_UNDER_TEST, ...args], {
      cwd: ROOT,
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d.length + stdout.length < 1e6 ? d : ''))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.length + stderr.length < 1e6 ? d : ''))
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), budgetMs + 10_000)
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Date.now() - started
      clearTimeout(timer)
      let peakRssMb = Infinity
      try {
        peakRssMb = Math.round(Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024)
      } catch {
        // killed: no figure, and the case fails on its time anyway
      }

      rmSync(dir, {recursive: true, force: true})
      resolve({code, stdout, stderr, ms, peakRssMb})
    })
  })
}

interface Expect {
  code: number
  /** What stderr's one line must say. */
  says?: RegExp
  /** The command's own --timeout, when not TIMEOUT_S. */
  timeoutS?: number
  /** stdout must show this (the sources that did answer). */
  shows?: RegExp
  /** A healthy answer may leave stderr empty. */
  quietOk?: boolean
}

async function check(what: string, args: string[], expect: Expect): Promise<Measured> {
  const timeoutS = expect.timeoutS ?? TIMEOUT_S
  const budgetMs = (timeoutS + 2) * 1000
  const r = await runMeasured([...args, '--timeout', `${timeoutS}s`], budgetMs)
  // One message: its line, and the hint line some renderers put under it.
  const lines =
    r.stderr.trim() === ''
      ? []
      : r.stderr
          .trim()
          .split('\n')
          .filter((l) => !/^\s+hint: /.test(l))
  const problems: string[] = []
  if (r.ms > budgetMs) problems.push(`took ${r.ms} ms (budget ${budgetMs})`)
  if (!(r.peakRssMb < PEAK_RSS_MB)) problems.push(`peak RSS ${r.peakRssMb} MB (cap ${PEAK_RSS_MB})`)
  if (r.code !== expect.code) problems.push(`exit ${r.code}, expected ${expect.code}`)
  if (lines.length !== 1 && !(expect.quietOk && lines.length === 0)) problems.push(`${lines.length} stderr lines`)
  if (hasStackTrace(r.stderr)) problems.push('a stack trace')
  if (expect.says && !expect.says.test(r.stderr)) problems.push(`stderr does not match ${expect.says}`)
  if (expect.shows && !expect.shows.test(r.stdout)) problems.push(`stdout does not match ${expect.shows}`)
  const pass = problems.length === 0
  record({
    area: 'fault',
    command: `mcp ${args[0]}`,
    case: `hostile ${what} (--timeout ${timeoutS}s)`,
    expected: `ends within ${timeoutS + 2} s, < ${PEAK_RSS_MB} MB, one line, exit ${expect.code}`,
    result: `${firstLine(r.stderr) || firstLine(r.stdout)} [${r.peakRssMb} MB]`,
    exitCode: r.code,
    ms: r.ms,
    pass,
  })
  assert.ok(
    pass,
    `${what}: ${problems.join('; ')}\nstderr: ${r.stderr.slice(0, 600)}\nstdout: ${r.stdout.slice(0, 400)}`,
  )
  return r
}

describe('hostile servers: every reply capped and timed, one line, the right exit code', () => {
  const run = uniqueName('hostile')
  // A label prefix no container carries: the real Docker answers, with nothing.
  const prefix = `h${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`
  const servers: Listening[] = []
  let cert: TestCert
  const dir = mkdtempSync(join(tmpdir(), 'mcp-hostile-sock-'))

  before(async () => {
    await requireDocker()
    await requireEtcd()
    cert = makeTestCert()
  })
  after(() => {
    for (const s of servers) s.close()
    cert?.cleanup()
    rmSync(dir, {recursive: true, force: true})
  })

  const etcd = async (mode: EtcdMode, tls = false) => {
    const s = await startFakeEtcd(mode, tls ? cert : undefined)
    servers.push(s)
    return s
  }

  const http1 = async (mode: Http1Mode, unix = false) => {
    const s = await startFakeHttp1(mode, unix ? {path: join(dir, `${mode}-${servers.length}.sock`)} : {})
    servers.push(s)
    return s
  }

  const partial = /✓ docker 0 .*✗ etcd unreachable/

  // etcd over h2c, beside the real Docker: the Docker half shown, exit 4.
  const h2cCases: [EtcdMode, RegExp][] = [
    ['nan-varint', /malformed message \(varint longer than 10 bytes\)/],
    ['length-past-end', /malformed message \(length past the end\)/],
    ['wrong-wire-type', /malformed message \(field 1 has wire type 5\)/],
    ['endless-data', /over the 32 MiB limit|did not answer within/],
    ['trickle', /did not answer within/],
    ['continuation-flood', /etcd/],
    ['ping-flood', /etcd/],
    ['garbage', /HTTP\/2|etcd/],
    ['early-close', /etcd/],
    ['http1', /HTTP\/2|etcd client URL/],
    ['goaway', /GOAWAY ENHANCE_YOUR_CALM: maintenance: node draining/],
  ]
  for (const [mode, says] of h2cCases) {
    test(`etcd h2c: ${mode}`, async () => {
      const s = await etcd(mode)
      await check(
        `etcd h2c ${mode}`,
        ['discover', '--source', 'docker,etcd', '--label-prefix', prefix, '--etcd-endpoints', `http://${s.address}`],
        {code: 4, says, shows: partial},
      )
    })
  }

  // etcd over TLS, alone: exit 5.
  for (const [mode, says] of [
    ['nan-varint', /varint longer than 10 bytes/],
    ['endless-data', /over the 32 MiB limit|did not answer within/],
    ['trickle', /did not answer within/],
    ['ping-flood', /etcd/],
    ['continuation-flood', /etcd/],
  ] as [EtcdMode, RegExp][]) {
    test(`etcd TLS: ${mode}`, async () => {
      const s = await etcd(mode, true)
      await check(
        `etcd TLS ${mode}`,
        ['discover', '--source', 'etcd', '--etcd-endpoints', `https://${s.address}`, '--etcd-cacert', cert.certFile],
        {code: 5, says},
      )
    })
  }

  test('etcd member /health that trickles a byte a second: the read answers, the member is named, all within the timeout', async () => {
    const s = await http1('trickle')
    const r = await check(
      'etcd member health trickle',
      [
        'discover',
        '--source',
        'etcd',
        '--json',
        '--registry-prefix',
        `/${prefix}/`,
        '--etcd-endpoints',
        `${TEST_ETCD},http://${s.address}`,
      ],
      {code: 0, quietOk: true},
    )
    const members = (JSON.parse(r.stdout) as {sources: {members?: {endpoint: string; ok: boolean; error?: string}[]}[]})
      .sources[0]!.members!
    assert.deepEqual(
      members.map((m) => [m.ok, m.error]),
      [
        [true, undefined],
        [false, 'timed out'],
      ],
    )
  })

  // The Docker Engine API on a unix socket, alone: exit 5.
  const dockerCases: [Http1Mode, RegExp][] = [
    ['endless-chunked', /over the 32 MiB limit|did not answer within/],
    ['endless-close', /over the 32 MiB limit|did not answer within/],
    ['huge-length', /over the 32 MiB limit|did not answer within/],
    ['trickle', /did not answer within/],
    ['header-flood', /header block over the 64 KiB limit/],
    ['garbage', /not HTTP\/1\.1/],
    ['early-close', /connection reset|socket hang up/],
  ]
  for (const [mode, says] of dockerCases) {
    test(`Docker on a unix socket: ${mode}`, async () => {
      const s = await http1(mode, true)
      await check(`Docker unix ${mode}`, ['discover', '--source', 'docker', '--docker-host', `unix://${s.address}`], {
        code: 5,
        says,
      })
    })
  }

  // On tcp, beside the real etcd: exit 4.
  for (const [mode, says] of dockerCases.filter(([m]) =>
    ['endless-chunked', 'garbage', 'header-flood', 'trickle'].includes(m),
  )) {
    test(`Docker on tcp: ${mode}`, async () => {
      const s = await http1(mode)
      await check(
        `Docker tcp ${mode}`,
        [
          'discover',
          '--source',
          'docker,etcd',
          '--registry-prefix',
          `/${prefix}/`,
          '--docker-host',
          `tcp://${s.address}`,
        ],
        {
          code: 4,
          says,
          shows: /✗ docker unreachable .*✓ etcd 0/,
        },
      )
    })
  }

  // Container logs: a frame header announcing 4 GiB, and valid frames without end.
  for (const [mode, says] of [
    ['log-frame-4g', /log frame of 4\.0 GiB, over the 1 MiB limit/],
    ['endless-logs', /did not answer within/],
  ] as [Http1Mode, RegExp][]) {
    test(`Docker logs: ${mode}`, async () => {
      const s = await http1(mode, true)
      const file = join(dir, `${mode}.log`)
      writeFileSync(file, '2026-12-04T00:00:00Z nothing here\n')
      await check(
        `Docker logs ${mode}`,
        [
          'trace',
          '4bf92f3577b34da6a3ce929d0e0e4736',
          file,
          '--container',
          'hostile',
          '--docker-host',
          `unix://${s.address}`,
        ],
        {code: 4, says},
      )
    })
  }

  // Consul, alone: exit 5.
  for (const [mode, says] of [
    ['endless-close', /over the 32 MiB limit|did not answer within/],
    ['trickle', /did not answer within/],
    ['garbage', /not HTTP\/1\.1/],
    ['header-flood', /header block over the 64 KiB limit/],
  ] as [Http1Mode, RegExp][]) {
    test(`Consul: ${mode}`, async () => {
      const s = await http1(mode)
      await check(`Consul ${mode}`, ['discover', '--source', 'consul', '--consul-addr', `http://${s.address}`], {
        code: 5,
        says,
      })
    })
  }

  test(`Consul with 1,000 catalog services: at most 8 requests at once`, async () => {
    let open = 0
    let most = 0
    const names = Array.from({length: 1000}, (_, i) => `svc${i}`)
    const server: Server = createServer((req, res) => {
      if (req.url!.startsWith('/v1/catalog/services'))
        return res.end(JSON.stringify(Object.fromEntries(names.map((n) => [n, []]))))
      most = Math.max(most, ++open)
      setTimeout(() => {
        open--
        res.end('[]')
      }, 5)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const {port} = server.address() as AddressInfo
      await check('Consul fan-out', ['discover', '--source', 'consul', '--consul-addr', `http://127.0.0.1:${port}`], {
        code: 0,
        quietOk: true,
        timeoutS: 30,
      })
      assert.ok(most <= 8 && most >= 2, `${most} requests at once`)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
