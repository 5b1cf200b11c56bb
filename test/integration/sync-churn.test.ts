import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {exitWithin, killLeftovers, runCli, RunningCli, startCli, testEnv} from '../helpers/cli.js'
import {
  cleanupDocker,
  docker,
  etcdctl,
  requireDocker,
  requireEtcd,
  runContainer,
  uniqueName,
} from '../helpers/services.js'
import {record} from '../reliability/record.js'

/** The codes a registration agent is responsible for (EARLY_REGISTRATION: doctor --watch beside it). */
const AGENT_CODES = ['UNREGISTERED', 'STALE_REGISTRATION', 'WRONG_ADDRESS', 'LABEL_DRIFT']

/**
 * ~20 labelled containers started, stopped, restarted and recreated with changed labels at random
 * for ~30 s under `mcp sync --watch`; doctor (snapshot, at sampled moments after a ≤2 s settle, and
 * --watch beside it all along) must find nothing the agent is responsible for.
 */
describe('mcp sync --watch under churn, judged by mcp doctor', () => {
  const base = uniqueName('churn')
  const prefix = `/${base}/`
  const services = [0, 1, 2].map((n) => `${base}-s${n}`)
  const serviceFlags = services.flatMap((s) => ['--service', s])
  const children: RunningCli[] = []

  before(async () => {
    await requireDocker()
    await requireEtcd()
  })

  after(async () => {
    killLeftovers(children)
    await cleanupDocker(base)
    await etcdctl(['del', '--prefix', prefix]).catch(() => undefined)
  })

  test(
    'no UNREGISTERED, STALE_REGISTRATION, WRONG_ADDRESS, LABEL_DRIFT or EARLY_REGISTRATION',
    {timeout: 300_000},
    async () => {
      const slots = 20
      let generation = 0
      const start = (slot: number) => {
        generation++
        const labels: Record<string, string> = {
          'mcp.service.name': services[slot % 3]!,
          'mcp.service.port': '8080',
          'mcp.service.version': `v${generation}`,
        }
        if (generation % 2) labels['mcp.service.weight'] = String(generation % 7)
        return runContainer(`${base}-c${slot}`, {
          labels,
          publish: ['127.0.0.1::8080'],
          extra: ['--health-cmd', 'true', '--health-interval', '1s', '--health-retries', '1', '--stop-timeout', '1'],
        })
      }

      for (let slot = 0; slot < slots; slot += 5) await Promise.all([0, 1, 2, 3, 4].map((n) => start(slot + n)))

      const agent = startCli(
        [
          'sync',
          '--watch',
          '--json',
          '--registry-prefix',
          prefix,
          ...serviceFlags,
          '--ttl',
          '5s',
          '--owner',
          'mcpt-churn',
        ],
        testEnv(),
      )
      children.push(agent)
      // doctor --watch judges the puts it sees after its snapshot: it starts once the agent's first resync is written.
      await agent.out.waitFor((l) => l.includes('"event":"resync"'), 60_000, "the agent's first full resync")
      const watcher = startCli(
        ['doctor', '--watch', '--json', '--registry-prefix', prefix, ...serviceFlags, '--only', 'EARLY_REGISTRATION'],
        testEnv(),
      )
      children.push(watcher)
      await watcher.out.waitFor((l) => l.includes('"snapshot"'), 30_000, 'doctor --watch snapshot')

      const doctor = async (when: string) => {
        const r = await runCli([
          'doctor',
          '--json',
          '--registry-prefix',
          prefix,
          ...serviceFlags,
          '--grace',
          '5s',
          '--only',
          AGENT_CODES.join(','),
          '--no-probe',
        ])
        const findings = (
          JSON.parse(r.stdout).findings as {ruleId: string; message: string; instance?: string}[]
        ).filter((f) => AGENT_CODES.includes(f.ruleId))
        assert.deepEqual(
          findings.map((f) => `${f.ruleId} ${f.instance}: ${f.message}`),
          [],
          `doctor ${when}`,
        )
      }

      // Random operations for ~30 s, two at a time on distinct slots; every ~10 s a pause, ≤2 s to settle, and doctor.
      let seed = 42
      const random = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) & 0x7f_ff_ff_ff
        return seed % n
      }

      const busy = new Set<number>()
      const counts: Record<string, number> = {stop: 0, start: 0, restart: 0, recreate: 0}
      const churnFor = async (ms: number) => {
        const until = Date.now() + ms
        const worker = async () => {
          while (Date.now() < until) {
            let slot = random(slots)
            while (busy.has(slot)) slot = (slot + 1) % slots
            busy.add(slot)
            const name = `${base}-c${slot}`
            const op = ['stop', 'start', 'restart', 'recreate'][random(4)]!
            counts[op]!++
            try {
              switch (op) {
                case 'stop': {
                  await docker(['stop', '-t', '1', name])
                  break
                }

                case 'start': {
                  await docker(['start', name])
                  break
                }

                case 'restart': {
                  await docker(['restart', '-t', '1', name])
                  break
                }

                default: {
                  await docker(['rm', '-f', name])
                  await start(slot)
                }
              }
            } finally {
              busy.delete(slot)
            }
          }
        }

        await Promise.all([worker(), worker()])
      }

      const samples: string[] = []
      for (let round = 0; round < 3; round++) {
        await churnFor(10_000)
        await sleep(2000)
        samples.push(new Date().toISOString())
        await doctor(`after round ${round + 1} (+2 s to settle)`)
      }

      const early = watcher.out.lines.filter((l) => l.includes('EARLY_REGISTRATION') && l.includes('"finding"'))
      const story = early.map((l) => {
        const instance = JSON.parse(l).finding.instance as string
        return agent.out.lines
          .filter((a) => a.includes(`${instance}"`) || a.includes(`${instance}:`))
          .slice(-6)
          .join('\n')
      })
      assert.deepEqual(
        early,
        [],
        `doctor --watch raised no EARLY_REGISTRATION; the agent's lines for it:\n${story.join('\n---\n')}`,
      )
      const adds = agent.out.lines.filter((l) => l.includes('"event":"add"')).length
      const removes = agent.out.lines.filter((l) => l.includes('"event":"remove"')).length
      assert.ok(adds >= slots / 2 && removes > 0, `the agent worked (${adds} adds, ${removes} removes)`)
      const errors = agent.out.lines.filter((l) => l.includes('"event":"error"'))
      assert.deepEqual(errors, [], 'no reconcile errors')

      watcher.child.kill('SIGINT')
      agent.child.kill('SIGTERM')
      await exitWithin(watcher.child, watcher.exited, 10_000)
      assert.equal(await exitWithin(agent.child, agent.exited, 10_000), 0)
      assert.equal(await etcdctl(['get', '--prefix', prefix, '--keys-only']), '', 'SIGTERM took every entry away')
      record({
        area: 'fault',
        command: 'mcp sync --watch',
        case: `churn: ${slots} containers, ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')} over ~30 s`,
        expected:
          'doctor finds no UNREGISTERED, STALE_REGISTRATION, WRONG_ADDRESS, LABEL_DRIFT; doctor --watch no EARLY_REGISTRATION',
        result: `${adds} adds, ${removes} removes; 3 sampled doctor runs clean; no EARLY_REGISTRATION`,
        exitCode: 0,
        ms: 0,
        pass: true,
      })
    },
  )
})
