import {ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {type ContainerOptions, requireDocker, runArgs, TEST_IMAGE} from './services.js'

const exec = promisify(execFile)

/** Remove a pidfile whose process is gone (or a zombie); true when it was stale. */
function removeStalePidfile(pidfile: string): boolean {
  if (!existsSync(pidfile)) return true
  const pid = readFileSync(pidfile, 'utf8').trim()
  let alive = false
  try {
    alive = !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    alive = false
  }

  if (!alive) rmSync(pidfile, {force: true})
  return !alive
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

async function waitFor(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await sleep(150)
  }

  throw new Error(`${what} did not come up within ${ms} ms`)
}

/**
 * A second, private dockerd beside the main one (own data-root, exec-root, socket, pidfile; no
 * bridge, no iptables), so fault tests can stop and restart a daemon without touching the one
 * every other test uses. Its containers use host networking or none.
 *
 * It runs in a network namespace of its own: a dockerd started with `--bridge none` deletes the
 * host's docker0 at start-up, which would cut every container of the main daemon off its bridge.
 * Host-networked containers of this daemon therefore listen on the namespace's loopback.
 */
export class PrivateDockerd {
  readonly dir: string
  readonly socket: string
  readonly netns: string
  private child?: ChildProcess

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'mcpt-dockerd-'))
    this.socket = join(this.dir, 'docker.sock')
    this.netns = `mcpt-${process.pid}-${Math.random().toString(36).slice(2, 7)}`
  }

  get host(): string {
    return `unix://${this.socket}`
  }

  async start(): Promise<void> {
    mkdirSync(join(this.dir, 'data'), {recursive: true})
    const hasNetns = await exec('ip', ['netns', 'list']).then((r) => r.stdout.includes(this.netns))
    if (!hasNetns) {
      await exec('ip', ['netns', 'add', this.netns])
      await exec('ip', ['netns', 'exec', this.netns, 'ip', 'link', 'set', 'lo', 'up'])
    }

    // A killed daemon leaves its pidfile behind; dockerd refuses to start over one whose process
    // still exists, and a killed process lingers as a zombie until reaped.
    removeStalePidfile(join(this.dir, 'docker.pid'))
    // ...and its containerd's pidfile and socket, which make the next containerd time out.
    if (removeStalePidfile(join(this.dir, 'exec', 'containerd', 'containerd.pid'))) {
      rmSync(join(this.dir, 'exec', 'containerd', 'containerd.sock'), {force: true})
      rmSync(join(this.dir, 'exec', 'containerd', 'containerd-debug.sock'), {force: true})
    }

    const log = openSync(join(this.dir, 'dockerd.log'), 'a')
    // nsenter, not `ip netns exec`: the latter remounts /sys and hides the cgroup mounts dockerd needs.
    this.child = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${this.netns}`,
        'dockerd',
        '--data-root',
        join(this.dir, 'data'),
        '--exec-root',
        join(this.dir, 'exec'),
        '--host',
        this.host,
        '--pidfile',
        join(this.dir, 'docker.pid'),
        '--bridge',
        'none',
        '--iptables=false',
        '--ip-masq=false',
      ],
      {stdio: ['ignore', log, log], detached: false},
    )
    // A restarted daemon accepts on its socket before it has restored its containers and answers
    // only then: each probe is bounded, so the whole wait keeps to its deadline.
    const deadline = Date.now() + 45_000
    await waitFor('private dockerd', 45_000, async () => {
      await this.docker(['version', '--format', '{{.Server.Version}}'], Math.max(1000, deadline - Date.now()))
      return true
    }).catch((error: Error) => {
      throw new Error(`${error.message}; dockerd.log: ${this.logTail()}`)
    })
  }

  /** dockerd.log's last warnings and errors, for a failing test's message. */
  logTail(lines = 5): string {
    try {
      return readFileSync(join(this.dir, 'dockerd.log'), 'utf8')
        .split('\n')
        .filter((l) => /level=(warning|error|fatal)|failed|timeout/i.test(l))
        .slice(-lines)
        .join(' | ')
    } catch {
      return '(no dockerd.log)'
    }
  }

  /** Load the test image from the main daemon (no registry is reachable). */
  async loadTestImage(): Promise<void> {
    const has = await this.docker(['image', 'inspect', TEST_IMAGE]).then(
      () => true,
      () => false,
    )
    if (has) return
    await exec('sh', ['-c', `docker save ${TEST_IMAGE} | DOCKER_HOST=${this.host} docker load -q`], {timeout: 60_000})
  }

  docker(args: string[], timeoutMs = 30_000): Promise<string> {
    return exec('docker', args, {env: {...process.env, DOCKER_HOST: this.host}, timeout: timeoutMs}).then((r) =>
      r.stdout.trim(),
    )
  }

  /**
   * Start a host-networked test container (`sleep 600`, nothing listens) labelled as an instance of
   * service api on `port`; `healthy`: with a Docker health check that passes within a second.
   * --stop-timeout 1: the restarted daemon stops the container it finds running, and `sleep` as
   * PID 1 ignores SIGTERM; without it the daemon answers nothing for the default 10 s.
   */
  runApiContainer(name: string, port: number, {healthy = false, restart = 'no'} = {}): Promise<string> {
    const health = healthy ? ['--health-cmd', 'true', '--health-interval', '1s', '--health-retries', '1'] : []
    return this.runContainer(name, {
      labels: {'mcp.service.name': 'api', 'mcp.service.port': String(port)},
      network: 'host',
      extra: ['--restart', restart, '--stop-timeout', '1', ...health],
      cmd: ['sleep', '600'],
    })
  }

  /** Start a test-image container on this daemon, as runContainer does on the main one; its id. */
  runContainer(name: string, options: ContainerOptions = {}): Promise<string> {
    return this.docker(runArgs(name, options))
  }

  /**
   * Stop the daemon and wait for it to exit. SIGTERM shuts down cleanly (it sends the containers'
   * die events first); SIGKILL is a crash: nothing more is said, and what changed shows only later.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const {child} = this
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }

  async destroy(): Promise<void> {
    await this.docker([
      'rm',
      '-f',
      ...(await this.docker(['ps', '-aq']).catch(() => '')).split('\n').filter(Boolean),
    ]).catch(() => undefined)
    await this.stop()
    // dockerd leaves mounts under its roots (netns handles, overlay layers): unmount before removing.
    await exec('sh', [
      '-c',
      `grep -F '${this.dir}' /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l`,
    ]).catch(() => undefined)
    rmSync(this.dir, {recursive: true, force: true, maxRetries: 3})
    await exec('ip', ['netns', 'del', this.netns]).catch(() => undefined)
  }
}

/**
 * A private dockerd (the test image loaded) and a private etcd for the enclosing describe block:
 * started before its tests, destroyed after them, free for the tests to kill and restart.
 */
export function usePrivateDaemons(): {dockerd: PrivateDockerd; etcd: PrivateEtcd; sourceFlags: () => string[]} {
  const dockerd = new PrivateDockerd()
  const etcd = new PrivateEtcd()
  before(async () => {
    await requireDocker()
    await dockerd.start()
    await dockerd.loadTestImage()
    await etcd.start()
  })
  after(async () => {
    await dockerd.destroy()
    await etcd.destroy()
  })
  // The flags that point mcp at both private daemons, each request bounded by 2 s.
  const sourceFlags = () => ['--docker-host', dockerd.host, '--etcd-endpoints', etcd.endpoint, '--timeout', '2s']
  return {dockerd, etcd, sourceFlags}
}

/** A private single-member etcd on loopback ports with a temp data dir, to kill and restart. */
export class PrivateEtcd {
  readonly dir: string
  clientPort = 0
  private peerPort = 0
  private child?: ChildProcess

  /** With tls, clients speak HTTPS to a server certificate (IP 127.0.0.1) from a CA made here: caFile. */
  constructor(private readonly options: {tls?: boolean} = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'mcpt-etcd-'))
  }

  get endpoint(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`
  }

  get caFile(): string {
    return join(this.dir, 'ca.pem')
  }

  /** A CA and a server certificate for 127.0.0.1, made with openssl (installed by scripts/services.sh). */
  private async makeCertificates(): Promise<void> {
    if (existsSync(this.caFile)) return
    const d = (f: string) => join(this.dir, f)
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      d('ca.key'),
      '-out',
      d('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=mcp-test-ca',
    ])
    await exec('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      d('server.key'),
      '-out',
      d('server.csr'),
      '-subj',
      '/CN=127.0.0.1',
    ])
    writeFileSync(d('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n')
    await exec('openssl', [
      'x509',
      '-req',
      '-in',
      d('server.csr'),
      '-CA',
      d('ca.pem'),
      '-CAkey',
      d('ca.key'),
      '-CAcreateserial',
      '-out',
      d('server.pem'),
      '-days',
      '1',
      '-extfile',
      d('ext.cnf'),
    ])
  }

  async start(): Promise<void> {
    if (!this.clientPort) {
      this.clientPort = await freePort()
      this.peerPort = await freePort()
    }

    if (this.options.tls) await this.makeCertificates()
    const log = openSync(join(this.dir, 'etcd.log'), 'a')
    const peer = `http://127.0.0.1:${this.peerPort}`
    this.child = spawn(
      'etcd',
      [
        '--name',
        'mcpt',
        '--data-dir',
        join(this.dir, 'data'),
        '--listen-client-urls',
        this.endpoint,
        '--advertise-client-urls',
        this.endpoint,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        `mcpt=${peer}`,
        ...(this.options.tls
          ? ['--cert-file', join(this.dir, 'server.pem'), '--key-file', join(this.dir, 'server.key')]
          : []),
      ],
      {stdio: ['ignore', log, log]},
    )
    await waitFor('private etcd', 15_000, async () => {
      await this.etcdctl(['endpoint', 'health'])
      return true
    })
  }

  etcdctl(args: string[]): Promise<string> {
    return exec(
      'etcdctl',
      [
        `--endpoints=${this.endpoint}`,
        '--dial-timeout=2s',
        ...(this.options.tls ? [`--cacert=${this.caFile}`] : []),
        ...args,
      ],
      {
        env: {...process.env, ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: undefined},
        timeout: 15_000,
      },
    ).then((r) => r.stdout.trim())
  }

  async kill(): Promise<void> {
    const {child} = this
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  async destroy(): Promise<void> {
    await this.kill()
    rmSync(this.dir, {recursive: true, force: true})
  }
}

/** A three-member etcd cluster on loopback ports, to kill members (the leader) under a watch. */
export class PrivateEtcdCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'mcpt-etcd-cluster-'))
  readonly members: {name: string; clientPort: number; peerPort: number; child?: ChildProcess}[] = []

  get endpoints(): string[] {
    return this.members.map((m) => `http://127.0.0.1:${m.clientPort}`)
  }

  async start(size = 3): Promise<void> {
    for (let i = 0; i < size; i++)
      this.members.push({name: `m${i}`, clientPort: await freePort(), peerPort: await freePort()})
    const initial = this.members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',')
    for (const m of this.members) this.spawn(m, initial, 'new')
    await waitFor('etcd cluster', 30_000, async () => {
      await this.etcdctl(['endpoint', 'health', '--cluster'])
      return true
    })
  }

  private spawn(m: (typeof this.members)[number], initial: string, state: 'new' | 'existing'): void {
    const client = `http://127.0.0.1:${m.clientPort}`
    const peer = `http://127.0.0.1:${m.peerPort}`
    const log = openSync(join(this.dir, `${m.name}.log`), 'a')
    m.child = spawn(
      'etcd',
      [
        '--name',
        m.name,
        '--data-dir',
        join(this.dir, m.name),
        '--listen-client-urls',
        client,
        '--advertise-client-urls',
        client,
        '--listen-peer-urls',
        peer,
        '--initial-advertise-peer-urls',
        peer,
        '--initial-cluster',
        initial,
        '--initial-cluster-state',
        state,
        '--initial-cluster-token',
        this.dir,
      ],
      {stdio: ['ignore', log, log]},
    )
  }

  etcdctl(args: string[], endpoints = this.endpoints): Promise<string> {
    return exec('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--dial-timeout=2s', ...args], {
      env: {...process.env, ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: undefined},
      timeout: 15_000,
    }).then((r) => r.stdout.trim())
  }

  /** Index of the current leader among members. */
  async leader(): Promise<number> {
    const status = JSON.parse(await this.etcdctl(['endpoint', 'status', '-w', 'json'])) as {
      Endpoint: string
      Status: {header: {member_id: number | string}; leader: number | string}
    }[]
    const leaderId = String(status[0]!.Status.leader)
    const i = status.findIndex((s) => String(s.Status.header.member_id) === leaderId)
    return this.members.findIndex((m) => `http://127.0.0.1:${m.clientPort}` === status[i]!.Endpoint)
  }

  async kill(i: number): Promise<void> {
    const child = this.members[i]?.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  async destroy(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) await this.kill(i)
    rmSync(this.dir, {recursive: true, force: true})
  }
}
