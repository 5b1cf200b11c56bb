import {ChildProcess, spawn} from 'node:child_process'
import {constants as osConstants} from 'node:os'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv
  input?: string | Buffer
  cwd?: string
  /** Kill the process after this long (tests must never hang). Default 60 s. */
  timeoutMs?: number
}

/** Environment for the CLI under test: services from scripts/services.sh, no colour, no profile. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    ETCDCTL_ENDPOINTS: process.env.MCP_TEST_ETCD ?? 'http://127.0.0.1:23790',
    XDG_CONFIG_HOME: '/nonexistent-mcp-test-config',
  }
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST
  return {...env, ...extra}
}

/** Run the built CLI (bin/run.js) and collect its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // `--`, as the installed launcher does: Node would take mcp's own --env-file for itself.
    const child = spawn(process.execPath, ['--', CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? testEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    if (options.input === undefined) {
      child.stdin.end()
    } else {
      child.stdin.end(options.input)
    }
  })
}

/** Collect a child process's stdout lines as they come, for watch tests. */
export class LineCollector {
  lines: string[] = []
  private buffer = ''

  push(chunk: string): void {
    this.buffer += chunk
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      this.lines.push(this.buffer.slice(0, nl))
      this.buffer = this.buffer.slice(nl + 1)
    }
  }

  async waitFor(predicate: (line: string) => boolean, ms: number, what: string): Promise<string> {
    const deadline = Date.now() + ms
    let from = 0
    while (Date.now() < deadline) {
      for (; from < this.lines.length; from++) if (predicate(this.lines[from]!)) return this.lines[from]!
      await new Promise((r) => setTimeout(r, 100))
    }

    throw new Error(`timed out after ${ms} ms waiting for ${what}; got:\n${this.lines.join('\n')}`)
  }
}

/** A long-running CLI (a --watch, a load test) whose output lines the test reads as they come. */
export interface RunningCli {
  child: ChildProcess
  out: LineCollector
  err: LineCollector
  /** The exit code, or 128+n when signal n ended it. */
  exited: Promise<number | null>
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = testEnv()): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
  const out = new LineCollector()
  const err = new LineCollector()
  child.stdout!.setEncoding('utf8').on('data', (d: string) => out.push(d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => err.push(d))
  // Killed by a signal it did not handle: the shell's 128+n, so tests can tell it from a clean exit.
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code, signal) => r(code ?? (signal ? 128 + osConstants.signals[signal] : null))),
  )
  return {child, out, err, exited}
}

/**
 * The exit code of a started CLI, or 'killed' when it had not exited within ms and was SIGKILLed:
 * a test's clean-up must not wait forever on a child that ignores its signal.
 */
export async function exitWithin(
  child: ChildProcess,
  exited: Promise<number | null>,
  ms: number,
): Promise<number | null | 'killed'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)))
  const first = await Promise.race([exited, late])
  clearTimeout(timer)
  if (first !== 'late') return first
  child.kill('SIGKILL')
  await exited
  return 'killed'
}

/** Send a started CLI `signal` and wait for its exit code as exitWithin does (SIGKILL after ms). */
export function stopCli(
  cli: RunningCli,
  signal: NodeJS.Signals = 'SIGTERM',
  ms = 10_000,
): Promise<number | null | 'killed'> {
  cli.child.kill(signal)
  return exitWithin(cli.child, cli.exited, ms)
}

/** SIGKILL every started CLI that is still running: an after hook's clean-up when a test failed half-way. */
export function killLeftovers(clis: RunningCli[]): void {
  for (const {child} of clis) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
