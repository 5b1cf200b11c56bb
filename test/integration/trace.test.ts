import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {gzipSync} from 'node:zlib'

import {CLI, runCli, testEnv} from '../helpers/cli.js'
import {cleanupDocker, docker, requireDocker, runContainer, uniqueName} from '../helpers/services.js'

const ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const LOW = ID.slice(16)
const UUID = `${ID.slice(0, 8)}-${ID.slice(8, 12)}-${ID.slice(12, 16)}-${ID.slice(16, 20)}-${ID.slice(20)}`
const OTHER = 'ffffffffffffffffffffffffffffffff'

const dir = mkdtempSync(join(tmpdir(), 'mcp-trace-it-'))
const prefix = uniqueName('trace')
const svc = `${prefix}-svc`
const f = (name: string) => join(dir, name)

before(async () => {
  // Two files, 2026-11-21 10:00:00 + n seconds; the gateway line 5 s after the app's last one (a gap).
  writeFileSync(
    f('gateway.log'),
    [
      `127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET /api/orders HTTP/1.1" 200 12 "-" "curl" rt=0.001 request_id=${OTHER}`,
      `127.0.0.1 - - [21/Nov/2026:10:00:01 +0000] "POST /api/orders HTTP/1.1" 502 12 "-" "curl" rt=6.100 request_id=${ID}`,
      '',
    ].join('\n'),
  )
  writeFileSync(
    f('app.log'),
    [
      `{"time":"2026-11-21T10:00:01.100Z","level":"info","trace_id":"${ID}","msg":"order received"}`,
      `{"time":"2026-11-21T10:00:01.200Z","level":"debug","trace_id":"${OTHER}","msg":"other request"}`,
      `{"time":"2026-11-21T10:00:02.000Z","level":"error","traceId":"${ID.toUpperCase()}","msg":"payment timed out","status":504,"duration_ms":5000}`,
      `{"time":"2026-11-21T10:00:07.000Z","level":"info","trace_id":"${OTHER}","msg":"later"}`,
      '',
    ].join('\n'),
  )
  mkdirSync(f('rotated'))
  writeFileSync(f('rotated/app.log.1'), `2026-11-21T09:59:59.500Z INFO b3=${LOW}-e457b5a2e4d86bd1-1 warmup\n`)
  writeFileSync(f('rotated/app.log.2.gz'), gzipSync(`2026-11-21T09:59:59.000Z WARN x-request-id=${UUID} retried\n`))
  const big = Array.from({length: 30_000}, (_, i) =>
    i === 5 ? `2026-11-21T09:59:58.000Z INFO early ${ID}` : `2026-11-21T09:59:58.000Z INFO noise ${i} ${Math.random()}`,
  ).join('\n')
  const gz = gzipSync(big)
  writeFileSync(f('cut.log.gz'), gz.subarray(0, Math.floor(gz.length / 2)))
  writeFileSync(
    f('image.bin'),
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from(` ${ID}\n`)]),
  )
  writeFileSync(f('secret.log'), `${ID}\n`)
  chmodSync(f('secret.log'), 0o000)
})

after(async () => {
  rmSync(dir, {recursive: true, force: true})
  await cleanupDocker(prefix)
})

describe('mcp trace over files', () => {
  test('one timeline across files, in time order, with a gap marked and a waterfall', async () => {
    const r = await runCli(['trace', ID, f('gateway.log'), f('app.log'), f('rotated')])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.split('\n').filter((l) => /^[ ~]\d{4}-/.test(l))
    assert.deepEqual(
      rows.map((l) => /(gateway\.log|app\.log\.2\.gz|app\.log\.1|app\.log)/.exec(l)![1]),
      ['app.log.2.gz', 'app.log.1', 'gateway.log', 'app.log', 'app.log'],
    )
    assert.match(rows[0]!, /\+0ms/)
    assert.match(rows[4]!, /ERROR.*payment timed out/)
    assert.match(r.stdout, /··· 1\.5s gap ···/)
    assert.match(r.stdout, /Waterfall/)
    assert.doesNotMatch(r.stdout, /other request|later/)
  })

  test('--json gives the parsed lines', async () => {
    const r = await runCli([
      'trace',
      `traceparent: 00-${ID}-00f067aa0ba902b7-01`,
      f('gateway.log'),
      f('app.log'),
      '--json',
    ])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.id.hex, ID)
    assert.equal(out.id.spelling, 'w3c-traceparent')
    assert.equal(out.found, true)
    assert.equal(out.lines.length, 3)
    const [gw, first, last] = out.lines
    assert.equal(gw.status, 502)
    assert.equal(gw.durationMs, 6100)
    assert.equal(gw.level, 'error')
    assert.equal(gw.time, '2026-11-21T10:00:01.000Z')
    assert.equal(first.offsetMs, 100)
    assert.equal(last.level, 'error')
    assert.equal(last.status, 504)
    assert.equal(last.fields.msg, 'payment timed out')
    assert.equal(out.sources.length, 2)
  })

  test('-C context lines and --level filter', async () => {
    const r = await runCli(['trace', ID, f('app.log'), '-C', '1', '--json'])
    assert.deepEqual(
      JSON.parse(r.stdout).lines.map((l: {match: boolean}) => l.match),
      [true, false, true, false],
    )
    const w = await runCli(['trace', ID, f('app.log'), '--level', 'warn', '--json'])
    assert.deepEqual(
      JSON.parse(w.stdout).lines.map((l: {message: string}) => l.message),
      ['payment timed out'],
    )
  })

  test('-C/--context are lines, as in grep (--context-lines still works); a word there points to --docker-context', async () => {
    for (const flag of [['-C', '1'], ['--context', '1'], ['--context-lines', '1'], ['--context=1']]) {
      const r = await runCli(['trace', ID, f('app.log'), ...flag, '--json'])
      assert.equal(r.code, 0, `${flag.join(' ')}: ${r.stderr}`)
      assert.deepEqual(
        JSON.parse(r.stdout).lines.map((l: {match: boolean}) => l.match),
        [true, false, true, false],
        flag.join(' '),
      )
    }

    const word = await runCli(['trace', ID, f('app.log'), '--context', 'prod'])
    assert.equal(word.code, 2)
    assert.match(word.stderr, /--context "prod" is not a number of lines\n {2}hint: .*--docker-context/)
  })

  test('not found, but outside --since/--until or below --level: says how many lines carry the id', async () => {
    const r = await runCli(['trace', ID, f('app.log'), f('gateway.log'), '--since', '2026-11-22T00:00:00Z'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /not found in 2 sources \(\d+ bytes searched\); 3 lines outside --since\/--until carry it\n/)
    const level = await runCli(['trace', ID, f('app.log'), '--level', 'fatal', '--json'])
    assert.equal(level.code, 1)
    assert.deepEqual(JSON.parse(level.stdout).stats.filteredOut, {time: 0, level: 2})
  })

  test('a truncated .gz reports file and offset and keeps what it found (exit 3)', async () => {
    const r = await runCli(['trace', ID, f('cut.log.gz')])
    assert.equal(r.code, 3)
    assert.match(r.stdout, /early/)
    assert.match(r.stderr, /cut\.log\.gz: gzip data ends early at compressed offset \d+/)
  })

  test('binary files are skipped with a note; not found is exit 1', async () => {
    const r = await runCli(['trace', ID, f('image.bin')])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /image\.bin: binary file skipped \(NUL byte at offset 4\)/)
    assert.match(r.stderr, /not found/)
    assert.equal(r.stdout, '')
  })

  test('unreadable and missing files warn, the rest are searched (exit 3)', async () => {
    const r = await runCli(['trace', ID, f('secret.log'), f('nope.log'), f('app.log')])
    assert.equal(r.code, 3)
    assert.match(r.stdout, /payment timed out/)
    assert.match(r.stderr, /nope\.log: no such file or directory/)
    if (process.getuid?.() !== 0) assert.match(r.stderr, /secret\.log: permission denied/)
  })

  test('globs and stdin', async () => {
    const g = await runCli(['trace', LOW, join(dir, 'rotated', 'app.log.*')])
    assert.equal(g.code, 0, g.stderr)
    assert.match(g.stdout, /retried/)
    assert.match(g.stdout, /warmup/)
    const s = await runCli(['trace', UUID, '-'], {input: `a\n2026-11-21T10:00:00Z INFO got ${ID}\nb\n`})
    assert.equal(s.code, 0, s.stderr)
    assert.match(s.stdout, /<stdin>.*got/)
  })

  test('exit codes: 1 not found, 2 usage', async () => {
    assert.equal((await runCli(['trace', OTHER.replaceAll('f', 'e'), f('app.log')])).code, 1)
    const bad = await runCli(['trace', 'not-an-id', f('app.log')])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /is not a trace id/)
    assert.equal((await runCli(['trace', ID, f('app.log'), '--level', 'loud'])).code, 2)
    assert.equal((await runCli(['trace', ID, f('app.log'), '--since', 'yesterday-ish'])).code, 2)
  })

  test('worker threads and byte ranges find what one thread finds', async () => {
    const path = f('big.log')
    const lines = Array.from({length: 60_000}, (_, i) =>
      i % 1999 === 0
        ? `2026-11-21T10:00:00.${String(i % 1000).padStart(3, '0')}Z INFO hit ${i} ${ID}`
        : `2026-11-21T10:00:00Z INFO noise ${i} ${'x'.repeat(i % 40)}`,
    )
    writeFileSync(path, lines.join('\n') + '\n')
    writeFileSync(f('big2.log.gz'), gzipSync(lines.slice(0, 5000).join('\n')))
    const env = testEnv({MCP_TRACE_PARALLEL_MIN_BYTES: String(256 * 1024)})
    const one = await runCli(['trace', ID, path, f('big2.log.gz'), '-j', '1', '--json'], {env})
    const two = await runCli(['trace', ID, path, f('big2.log.gz'), '-j', '2', '--json'], {env})
    assert.equal(one.code, 0, one.stderr)
    assert.equal(two.code, 0, two.stderr)
    const offsets = (r: {stdout: string}) =>
      JSON.parse(r.stdout)
        .lines.map((l: {source: string; byteOffset: number}) => `${l.source}:${l.byteOffset}`)
        .sort()
    assert.equal(offsets(one).length, 31 + 3)
    assert.deepEqual(offsets(two), offsets(one))
  })

  test('a .gz decompressed in a worker thread gives what one thread gives; damage is reported the same', async () => {
    // A first member of exactly 1 MiB (the worker's read size, so the second member starts a read),
    // then one that inflates to more than the worker's buffers hold at once.
    const head = Buffer.from(`2026-11-21T09:59:57.000Z INFO first ${ID}\n`)
    let len = 1024 * 1024 - 200
    let first = gzipSync(Buffer.alloc(len), {level: 0})
    while (first.length !== 1024 * 1024) first = gzipSync(Buffer.alloc((len += 1024 * 1024 - first.length)), {level: 0})
    first = gzipSync(Buffer.concat([head, Buffer.alloc(len - head.length, 'x\n')]), {level: 0})
    assert.equal(first.length, 1024 * 1024)
    const line = (i: number) =>
      `2026-11-21T10:00:00.000Z INFO ${i % 5000 === 7 ? 'hit' : 'noise'} ${i} ${(i * 7919).toString(36)} ${i % 5000 === 7 ? ID : ''}\n`
    const second = gzipSync(Array.from({length: 300_000}, (_, i) => line(i)).join(''))
    writeFileSync(f('members.log.gz'), Buffer.concat([first, second]))
    writeFileSync(f('members-cut.log.gz'), Buffer.concat([first, second.subarray(0, second.length >> 1)]))
    writeFileSync(f('members-bad.log.gz'), Buffer.concat([first, Buffer.from('not gzip at all')]))
    writeFileSync(
      f('members-bin.log.gz'),
      gzipSync(Buffer.concat([Buffer.from('a\0b\n'), Buffer.alloc(3 << 20, `${ID}\n`)])),
    )
    const env = testEnv({MCP_TRACE_GUNZIP_WORKER_MIN_BYTES: '0'})
    // A binary file stops at its first buffer, whose size differs between the two paths.
    const comparable = (r: {stdout: string}) => {
      const j = JSON.parse(r.stdout)
      const binary = j.problems.some((p: {kind: string}) => p.kind === 'binary')
      return {...j, stats: {}, startedAt: 0, sources: j.sources.map((s: object) => (binary ? {...s, bytes: 0} : s))}
    }

    const both = async (name: string) => {
      const one = await runCli(['trace', ID, f(name), '-j', '1', '--json'], {env})
      const worker = await runCli(['trace', ID, f(name), '-j', '2', '--json'], {env})
      assert.deepEqual(comparable(worker), comparable(one), name)
      assert.equal(worker.code, one.code, name)
      assert.equal(worker.stderr, one.stderr, name)
      return worker
    }

    const whole = await both('members.log.gz')
    assert.equal(whole.code, 0, whole.stderr)
    assert.equal(JSON.parse(whole.stdout).lines.length, 1 + 60)
    const cut = await both('members-cut.log.gz')
    assert.equal(cut.code, 3)
    const problems = (r: {stdout: string}) =>
      JSON.parse(r.stdout).problems.map((p: {kind: string; compressedOffset?: number}) => [p.kind, p.compressedOffset])
    assert.deepEqual(problems(cut), [['truncated', first.length + (second.length >> 1)]])
    const found = JSON.parse(cut.stdout).lines.length
    assert.ok(found > 20 && found < 61, String(found))
    const bad = await both('members-bad.log.gz')
    assert.equal(bad.code, 3)
    assert.equal(JSON.parse(bad.stdout).lines.length, 1)
    assert.deepEqual(problems(bad), [['unreadable', undefined]])
    const bin = await both('members-bin.log.gz')
    assert.equal(bin.code, 1)
    assert.deepEqual(problems(bin), [['binary', undefined]])

    // Rotated .gz files over the thread pool, each with its own decompressing worker.
    const pool = testEnv({MCP_TRACE_GUNZIP_WORKER_MIN_BYTES: '0', MCP_TRACE_PARALLEL_MIN_BYTES: '1024'})
    const args = ['trace', ID, f('members.log.gz'), f('members-cut.log.gz'), f('members-bad.log.gz'), '--json']
    const one = await runCli([...args, '-j', '1'], {env: pool})
    const two = await runCli([...args, '-j', '2'], {env: pool})
    assert.equal(two.code, 3, two.stderr)
    assert.deepEqual(comparable(two), comparable(one))
    assert.equal(JSON.parse(two.stdout).lines.length, 61 + found + 1)
  })

  test('--follow prints new lines as they are appended; Ctrl-C exits cleanly', async () => {
    const path = f('follow.log')
    writeFileSync(path, `2026-11-21T09:59:58Z INFO started ${ID}\n`)
    const child = spawn(process.execPath, ['--', CLI, 'trace', ID, path, '--follow'], {
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    await new Promise((r) => setTimeout(r, 1500))
    appendFileSync(path, `2026-11-21T10:00:00Z ERROR appended ${ID}\n`)
    const deadline = Date.now() + 10_000
    while (!out.includes('appended') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    const code = await exited
    assert.match(out, /appended/)
    assert.equal(code, 0)
    // The appended line keeps the columns of the heading above it, OFFSET included.
    const lines = out.split('\n')
    const header = lines.find((l) => l.startsWith(' TIME'))!
    const appended = lines.find((l) => l.includes('appended'))!
    assert.match(appended, /^ 2026-11-21T10:00:00\.000Z {2}\+2s /)
    assert.equal(appended.indexOf('+2s'), header.indexOf('OFFSET'))
    assert.equal(appended.indexOf('ERROR'), header.indexOf('LEVEL'))
  })
})

describe('mcp trace over real containers', () => {
  let cA = ''
  let cB = ''
  before(async () => {
    await requireDocker()
    cA = `${prefix}-a`
    cB = `${prefix}-b`
    // A: multiplexed stdout/stderr; B: a TTY container of the labelled service. Both write known lines.
    await runContainer(cA, {
      cmd: [
        'sh',
        '-c',
        `echo "{\\"level\\":\\"info\\",\\"trace_id\\":\\"${ID}\\",\\"msg\\":\\"container A got it\\"}"; echo noise; sleep 1; echo "ERROR A failed traceparent=00-${ID}-00f067aa0ba902b7-01" >&2; sleep 300`,
      ],
    })
    await runContainer(cB, {
      labels: {'mcp.service.name': svc},
      extra: ['-t'],
      cmd: ['sh', '-c', `sleep 0.5; echo "WARN B x-request-id=${UUID}"; sleep 300`],
    })
    // Wait until both have written their lines.
    const deadline = Date.now() + 20_000
    for (;;) {
      const a = await docker(['logs', cA]).catch(() => '')
      const b = await docker(['logs', cB]).catch(() => '')
      if (
        (a.includes('failed') || (await docker(['logs', cA, '2>&1']).catch(() => '')).includes('failed')) &&
        b.includes('WARN')
      )
        break
      if (Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 300))
    }

    await new Promise((r) => setTimeout(r, 1500))
  })

  test('two files and two containers in one timeline', async () => {
    const r = await runCli(['trace', ID, f('gateway.log'), f('app.log'), '--container', cA, '--service', svc, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    const sources = out.sources.map((s: {name: string}) => s.name)
    assert.ok(sources.includes(cA), sources.join(','))
    assert.ok(sources.includes(`${svc}/${cB}`), sources.join(','))
    const containerLines = out.lines.filter((l: {sourceType: string}) => l.sourceType === 'container')
    // The containers' relative order depends on when each started; the set and A's own order do not.
    const messages = containerLines.map((l: {message: string}) => l.message.replace(/\s+$/, ''))
    assert.deepEqual([...messages].sort(), [
      'ERROR A failed traceparent=00-' + ID + '-00f067aa0ba902b7-01',
      'WARN B x-request-id=' + UUID,
      'container A got it',
    ])
    assert.ok(messages.indexOf('container A got it') < messages.findIndex((m: string) => m.startsWith('ERROR A')))
    const failed = containerLines.find((l: {message: string}) => l.message.startsWith('ERROR A'))
    assert.equal(failed.stream, 'stderr')
    assert.equal(failed.level, 'error')
    assert.equal(containerLines.find((l: {message: string}) => l.message.startsWith('WARN B')).service, svc)
    // Files (2026-11-21) come first: the timeline is ordered by time across all sources.
    assert.deepEqual(
      out.lines.slice(0, 3).map((l: {sourceType: string}) => l.sourceType),
      ['file', 'file', 'file'],
    )
    for (let i = 1; i < out.lines.length; i++) assert.ok(out.lines[i].timeMs >= out.lines[i - 1].timeMs)

    const human = await runCli(['trace', ID, f('app.log'), '--container', cA, '--service', svc])
    assert.equal(human.code, 0)
    assert.match(human.stdout, new RegExp(`${cB} +│`))
  })

  test('--all-containers searches every labelled container', async () => {
    const r = await runCli(['trace', UUID, '--all-containers', '--since', '10m', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.ok(out.sources.some((s: {name: string}) => s.name === `${svc}/${cB}`))
    assert.ok(!out.sources.some((s: {name: string}) => s.name === cA), 'cA has no service label')
  })

  test('--follow on containers prints lines written after it started', async () => {
    const name = `${prefix}-f`
    await runContainer(name, {cmd: ['sh', '-c', `sleep 3; echo "INFO late ${ID}"; sleep 300`]})
    const child = spawn(process.execPath, [CLI, 'trace', ID, '--container', name, '--follow'], {
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const deadline = Date.now() + 20_000
    while (!out.includes('late') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    assert.match(out, /INFO late/)
    assert.equal(await exited, 0)
  })

  test('--since is pushed to the Docker API; unknown containers are input errors', async () => {
    const r = await runCli(['trace', ID, '--container', cA, '--since', '2099-01-01T00:00:00Z'])
    assert.equal(r.code, 1)
    const u = await runCli(['trace', ID, f('app.log'), '--container', `${prefix}-missing`])
    assert.equal(u.code, 3)
    assert.match(u.stderr, /no such container/)
    assert.match(u.stdout, /payment timed out/)
  })

  test('Docker unreachable while files answered is partial (4); nothing answered is 5', async () => {
    const env = testEnv({DOCKER_HOST: 'unix:///nonexistent/docker.sock'})
    const p = await runCli(['trace', ID, f('app.log'), '--container', cA], {env})
    assert.equal(p.code, 4)
    assert.match(p.stderr, /Docker at unix:\/\/\/nonexistent\/docker\.sock did not answer/)
    const n = await runCli(['trace', ID, '--container', cA], {env})
    assert.equal(n.code, 5)
  })
})
