import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

const exec = promisify(execFile)

export const TEST_IMAGE = process.env.MCP_TEST_IMAGE ?? 'mcp-test/busybox:latest'
export const TEST_ETCD = process.env.MCP_TEST_ETCD ?? 'http://127.0.0.1:23790'

/**
 * Integration tests need the real dockerd and etcd started by scripts/services.sh. When they are
 * absent the test fails with this message: CI must never pass by skipping them.
 */
export async function requireDocker(): Promise<void> {
  try {
    await exec('docker', ['version', '--format', '{{.Server.Version}}'], {timeout: 10_000})
  } catch (error) {
    throw new Error(
      `Docker is not answering (${(error as Error).message.split('\n')[0]}); run: bash scripts/services.sh`,
    )
  }

  try {
    await exec('docker', ['image', 'inspect', TEST_IMAGE], {timeout: 10_000})
  } catch {
    throw new Error(`test image ${TEST_IMAGE} is missing; run: bash scripts/services.sh`)
  }
}

export async function requireEtcd(): Promise<void> {
  try {
    await etcdctl(['endpoint', 'health'])
  } catch (error) {
    throw new Error(
      `etcd is not answering at ${TEST_ETCD} (${(error as Error).message.split('\n')[0]}); run: bash scripts/services.sh`,
    )
  }
}

export async function docker(args: string[], timeout = 60_000): Promise<string> {
  const {stdout} = await exec('docker', args, {timeout, maxBuffer: 64 * 1024 * 1024})
  return stdout.trim()
}

export async function etcdctl(args: string[]): Promise<string> {
  const {stdout} = await exec('etcdctl', [`--endpoints=${TEST_ETCD}`, '--dial-timeout=3s', ...args], {
    timeout: 15_000,
    // etcdctl refuses a flag and its environment variable together.
    env: {...process.env, ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: undefined},
  })
  return stdout.trim()
}

/** A name unique to this test run, for containers, networks and etcd prefixes. */
export function uniqueName(base: string): string {
  return `mcpt-${base}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`
}

/** Remove every container and network a test created (by name prefix), ignoring what is gone. */
export async function cleanupDocker(namePrefix: string): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `name=${namePrefix}`]).catch(() => ''))
    .split('\n')
    .filter(Boolean)
  // In batches, with time to spare: removing dozens of containers on a loaded machine takes a while,
  // and a timed-out removal would leave them behind for every later test to see.
  for (let i = 0; i < ids.length; i += 10) {
    const batch = ids.slice(i, i + 10)
    await docker(['rm', '-f', '-v', ...batch], 180_000).catch(() =>
      docker(['rm', '-f', '-v', ...batch], 180_000).catch(() => undefined),
    )
  }

  const nets = await docker(['network', 'ls', '-q', '--filter', `name=${namePrefix}`]).catch(() => '')
  if (nets) await docker(['network', 'rm', ...nets.split('\n')]).catch(() => undefined)
}

/** What a test container runs with: labels, published ports, a network, docker run flags, a command. */
export interface ContainerOptions {
  labels?: Record<string, string>
  publish?: string[]
  network?: string
  cmd?: string[]
  extra?: string[]
}

/** The `docker run -d` arguments of a test-image container (busybox httpd unless `cmd` says otherwise). */
export function runArgs(name: string, options: ContainerOptions = {}): string[] {
  const args = ['run', '-d', '--name', name]
  for (const [k, v] of Object.entries(options.labels ?? {})) args.push('--label', `${k}=${v}`)
  for (const p of options.publish ?? []) args.push('-p', p)
  if (options.network) args.push('--network', options.network)
  args.push(...(options.extra ?? []), TEST_IMAGE, ...(options.cmd ?? []))
  return args
}

/** Start a labeled busybox httpd container and return its id. */
export async function runContainer(name: string, options: ContainerOptions = {}): Promise<string> {
  return docker(runArgs(name, options))
}
