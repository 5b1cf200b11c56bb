// loadtest on one node vs --nodes 2 on the same machine: the coordination overhead of --nodes.
//   node --import tsx bench/loadtest-nodes.ts          (ROUNDS=3 DURATION=5 CONNS=20; RATE=4000 for open loop)
// A private dockerd in single-node Swarm mode (test/helpers/daemons.ts, never the shared daemon),
// the mcp image imported into it by scripts/image.sh, and a Node http server on the private
// network namespace's 127.0.0.1. "one node": mcp loadtest run in that namespace; "--nodes 2": two
// host-networked replicas, results merged. Same CPU, so no gain is expected: the figures are the
// throughput ratio and the wall time --nodes adds (agreed start, scheduling, reading the logs).
// "--nodes 1" runs the same single event loop as "one node", through the whole --nodes path
// (service, agreed start, histograms through the logs, merge): the coordination alone, where
// "--nodes 2" adds a second event loop competing for the same cores.
import {execFile, spawn} from 'node:child_process'
import {promisify} from 'node:util'

import {ROOT} from '../test/helpers/cli.js'
import {PrivateDockerd} from '../test/helpers/daemons.js'

const exec = promisify(execFile)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const DURATION = Number(process.env.DURATION ?? 5)
const CONNS = Number(process.env.CONNS ?? 20)
// RATE=4000: open loop at a fixed total rate (split between the replicas) instead of closed loop.
const {RATE} = process.env
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const daemon = new PrivateDockerd()
const port = 18_000 + Math.floor(Math.random() * 2000)
const url = `http://127.0.0.1:${port}/`
const image = 'mcp-bench-nodes:latest'
const server = `require('http').createServer((q,r)=>r.end('hello world')).listen(${port},'127.0.0.1')`

async function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{rps: number; p99: number; wallMs: number}> {
  const t0 = performance.now()
  const {stdout} = await exec(cmd, args, {env, cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000})
  const wallMs = performance.now() - t0
  const r = JSON.parse(stdout) as {requests: {perSecond: number}; latency: {p99: number}}
  return {rps: r.requests.perSecond, p99: r.latency.p99, wallMs}
}

try {
  await daemon.start()
  await daemon.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
  await exec('bash', ['scripts/image.sh'], {
    cwd: ROOT,
    env: {...process.env, MCP_IMAGE: image, DOCKER_HOST: daemon.host},
    timeout: 300_000,
  })
  const srv = spawn('nsenter', [`--net=/var/run/netns/${daemon.netns}`, process.execPath, '-e', server], {
    stdio: 'ignore',
  })
  await new Promise((r) => setTimeout(r, 500))
  const load = ['loadtest', url, '-c', String(CONNS), '-d', `${DURATION}s`, '--json', ...(RATE ? ['-R', RATE] : [])]
  const one: {rps: number; p99: number; wallMs: number}[] = []
  const single: typeof one = []
  const two: typeof one = []
  const viaNodes = (n: number) =>
    timed(process.execPath, ['bin/run.js', ...load, '--nodes', String(n), '--network', 'host', '--image', image], {
      ...process.env,
      DOCKER_HOST: daemon.host,
    })
  try {
    for (let i = 0; i < ROUNDS; i++) {
      one.push(
        await timed(
          'nsenter',
          [`--net=/var/run/netns/${daemon.netns}`, process.execPath, 'bin/run.js', ...load],
          process.env,
        ),
      )
      single.push(await viaNodes(1))
      two.push(await viaNodes(2))
    }
  } finally {
    srv.kill()
  }

  const row = (name: string, xs: typeof one) => {
    const rps = median(xs.map((x) => x.rps))
      .toFixed(0)
      .padStart(8)
    const p99 = (median(xs.map((x) => x.p99)) / 1000).toFixed(2).padStart(6)
    return `${name.padEnd(12)} ${rps} req/s   p99 ${p99} ms   wall ${(median(xs.map((x) => x.wallMs)) / 1000).toFixed(2)} s`
  }

  const rate = RATE ? ` -R ${RATE}` : ''
  console.log(
    `loadtest -c ${CONNS}${rate} -d ${DURATION}s, ${ROUNDS} rounds (medians), Node http server on 127.0.0.1 (private netns)`,
  )
  console.log(row('one node', one))
  console.log(row('--nodes 1', single))
  console.log(row('--nodes 2', two))
  for (const [name, xs] of [
    ['--nodes 1', single],
    ['--nodes 2', two],
  ] as const) {
    const ratio = median(xs.map((x) => x.rps)) / median(one.map((x) => x.rps))
    const added = (median(xs.map((x) => x.wallMs)) - median(one.map((x) => x.wallMs))) / 1000
    console.log(`${name} / one node: ${ratio.toFixed(3)} (throughput); wall time added: ${added.toFixed(2)} s`)
  }
} finally {
  await daemon.destroy()
}
