import * as hdr from 'hdr-histogram-js'
import assert from 'node:assert/strict'
import {ChildProcess, execFile, spawn} from 'node:child_process'
import {after, before, describe, test} from 'node:test'
import {promisify} from 'node:util'

import {exitWithin, ROOT, runCli, startCli, testEnv} from '../helpers/cli.js'
import {PrivateDockerd} from '../helpers/daemons.js'
import {requireDocker} from '../helpers/services.js'

const exec = promisify(execFile)

interface NodeRow {
  task: string
  node: string
  ok: boolean
  requests: number
  requestsPerSecond: number
  histogram?: string
}
interface Result {
  requests: {total: number; perSecond: number; expected: number | null}
  durationMs: number
  latency: {count: number; p50: number; p99: number; max: number}
  settings: {connections: number; rate: number | null}
  distributed: {service: string; replicas: number; nodes: NodeRow[]; missing: number}
}

/**
 * A counting HTTP server inside the private daemon's network namespace: host-networked Swarm tasks
 * of that daemon reach it on the namespace's 127.0.0.1. Its own count is read over stdin/stdout.
 */
class NetnsServer {
  private child?: ChildProcess
  private buffer = ''
  private waiters: ((line: string) => void)[] = []

  constructor(
    readonly netns: string,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    const script =
      `const http=require('http');let n=0;` +
      `http.createServer((q,r)=>{n++;r.end('ok')}).listen(${this.port},'127.0.0.1',()=>console.log('listening'));` +
      `require('readline').createInterface({input:process.stdin}).on('line',(l)=>{if(l==='reset')n=0;console.log('count '+n)})`
    const argv = [`--net=/var/run/netns/${this.netns}`, process.execPath, '-e', script]
    this.child = spawn('nsenter', argv, {stdio: ['pipe', 'pipe', 'inherit']})
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buffer += d.toString()
      let nl: number
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl)
        this.buffer = this.buffer.slice(nl + 1)
        this.waiters.shift()?.(line)
      }
    })
    assert.equal(await this.next(), 'listening')
  }

  private next(): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the netns server did not answer')), 10_000)
      this.waiters.push((l) => {
        clearTimeout(t)
        resolve(l)
      })
    })
  }

  async count(reset = false): Promise<number> {
    this.child!.stdin!.write(reset ? 'reset\n' : 'count\n')
    return Number((await this.next()).replace('count ', ''))
  }

  stop(): void {
    this.child?.kill()
  }
}

/** loadtest --nodes on a single-node Swarm (the private daemon), host networking, a server on its 127.0.0.1. */
describe('mcp loadtest --nodes (Swarm service of replicas, results merged)', () => {
  const daemon = new PrivateDockerd()
  const env = testEnv({DOCKER_HOST: daemon.host})
  const image = 'mcp-nodes-test:latest'
  const port = 18_000 + Math.floor(Math.random() * 2000)
  const server = new NetnsServer(daemon.netns, port)
  const url = `http://127.0.0.1:${port}/`
  const args = (...extra: string[]) => [
    'loadtest',
    url,
    '--nodes',
    '3',
    '--network',
    'host',
    '--image',
    image,
    '--json',
    ...extra,
  ]
  const services = () => daemon.docker(['service', 'ls', '-q', '--filter', 'label=mcp.loadtest'])

  before(async () => {
    await requireDocker()
    await daemon.start()
    await daemon.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
    // The image scripts/image.sh builds, imported straight into the private daemon.
    const imageEnv = {...process.env, MCP_IMAGE: image, DOCKER_HOST: daemon.host}
    await exec('bash', ['scripts/image.sh'], {cwd: ROOT, env: imageEnv, timeout: 300_000})
    await server.start()
  })

  after(async () => {
    server.stop()
    await daemon.destroy()
  })

  const merged =
    "--nodes 3: the merged count is the server's own, merged percentiles are the three histograms added, the service is gone"
  test(merged, {timeout: 120_000}, async () => {
    await server.count(true)
    const r = await runCli(args('-c', '3', '--requests', '300', '-d', '20s'), {env, timeoutMs: 100_000})
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as Result
    assert.equal(out.distributed.nodes.length, 3)
    assert.ok(
      out.distributed.nodes.every((n) => n.ok && n.requests === 100),
      JSON.stringify(out.distributed.nodes),
    )
    assert.equal(out.requests.total, await server.count())
    assert.equal(out.requests.total, 300)
    const sum = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
      bitBucketSize: 32,
      useWebAssembly: false,
    })
    for (const n of out.distributed.nodes) sum.add(hdr.decodeFromCompressedBase64(n.histogram!, 32, false))
    assert.equal(out.latency.count, sum.totalCount)
    assert.equal(out.latency.p50, sum.getValueAtPercentile(50))
    assert.equal(out.latency.p99, sum.getValueAtPercentile(99))
    assert.equal(out.latency.max, sum.maxValue)
    assert.equal(await services(), '')
  })

  test('-R 3000 --nodes 3: about 3,000 req/s in all, not 9,000', {timeout: 120_000}, async () => {
    const r = await runCli(args('-R', '3000', '-c', '6', '-d', '2s'), {env, timeoutMs: 100_000})
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as Result
    assert.equal(out.settings.rate, 3000)
    // The schedule: each replica was given 1,000 req/s (9,000 in all if the rate were not split).
    const seconds = out.durationMs / 1000
    assert.ok(
      Math.abs(out.requests.expected! - 3000 * seconds) < 150,
      `expected ${out.requests.expected} in ${seconds} s`,
    )
    // What was answered: about 3,000 req/s (the lower bound leaves room for a CPU-starved shared machine).
    assert.ok(out.requests.perSecond > 1800 && out.requests.perSecond < 3300, `req/s ${out.requests.perSecond}`)
    for (const n of out.distributed.nodes) {
      assert.ok(n.requestsPerSecond > 600 && n.requestsPerSecond < 1100, `${n.task}: ${n.requestsPerSecond} req/s`)
    }

    assert.equal(await services(), '')
  })

  test(
    'no replica returns a result (the image is not there): the task named, exit 5, the service gone',
    {timeout: 120_000},
    async () => {
      const argv = [
        'loadtest',
        'http://127.0.0.1:1/',
        '--nodes',
        '2',
        '--network',
        'host',
        '--image',
        'no-such-image:nope',
        '-d',
        '1s',
      ]
      argv.push('--json')
      const r = await runCli(argv, {env, timeoutMs: 100_000})
      assert.equal(r.code, 5, r.stderr)
      assert.match(
        r.stdout + r.stderr,
        /no replica of mcp-loadtest-[0-9a-f]+ returned a result \(mcp-loadtest-[0-9a-f]+\.\d on /,
      )
      assert.equal(await services(), '')
    },
  )

  test(
    'a replica killed mid-run: its task and node named, its part missing, the rest merged, exit 4',
    {timeout: 120_000},
    async () => {
      const {out, err, exited} = startCli(args('-c', '3', '-R', '300', '-d', '6s'), env)
      let ids: string[] = []
      for (let i = 0; i < 100 && ids.length < 3; i++) {
        ids = (await daemon.docker(['ps', '-q', '--filter', 'label=com.docker.swarm.task'])).split('\n').filter(Boolean)
        await new Promise((r) => setTimeout(r, 200))
      }

      assert.equal(ids.length, 3, 'three replicas running')
      await daemon.docker(['kill', ids[0]!])
      assert.equal(await exited, 4, err.lines.join('\n'))
      const result = JSON.parse(out.lines.join('\n')) as Result
      assert.equal(result.distributed.missing, 1)
      const missing = result.distributed.nodes.filter((n) => !n.ok)
      assert.equal(missing.length, 1)
      assert.ok(result.requests.total > 0)
      assert.equal(
        result.requests.total,
        result.distributed.nodes.reduce((a, n) => a + n.requests, 0),
      )
      assert.match(err.lines.join('\n'), new RegExp(`${missing[0]!.task} on ${missing[0]!.node}: its part is missing`))
      assert.equal(await services(), '')
    },
  )

  test('SIGINT: the service is removed and the exit code is 130', {timeout: 120_000}, async () => {
    const {child, exited} = startCli(args('-c', '3', '-R', '300', '-d', '30s'), env)
    for (let i = 0; i < 100 && (await services()) === ''; i++) await new Promise((r) => setTimeout(r, 200))
    assert.notEqual(await services(), '', 'the service was created')
    await new Promise((r) => setTimeout(r, 1500))
    child.kill('SIGINT')
    assert.equal(await exitWithin(child, exited, 30_000), 130)
    assert.equal(await services(), '')
  })
})
