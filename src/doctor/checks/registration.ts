import type {DockerContainer, Instance, ServiceView} from '../../model/types.js'

import {formatDuration} from '../../core/duration.js'
import {addressText} from '../../model/address.js'
import {judgeAddress} from '../address-judge.js'
import {
  allInstances,
  containerLocation,
  defineCheck,
  registryEntries,
  RegistryEntry,
  registryLocation,
  runningInstances,
} from '../check.js'

export const unregistered = defineCheck({
  meta: {
    id: 'UNREGISTERED',
    severity: 'error',
    description: 'A running labeled container with no registry entry, up longer than --grace',
    needs: ['docker', 'registry'],
  },
  check(view, ctx) {
    return runningInstances(view)
      .filter((i) => !i.etcd && !i.consul && i.port !== undefined)
      .flatMap((i) => {
        const d = i.docker!
        const started = ctx.startedAt.get(d.id) ?? d.created * 1000
        const up = ctx.now - started
        if (up < ctx.graceMs) return []
        return [
          ctx.report({
            instance: i,
            message: `running for ${formatDuration(up)} but not registered: the gateway sends it no traffic`,
            hint: "check the registration agent (registrator, the gateway's sidecar) and its logs; it may have missed the start event",
            evidence: {
              container: d.name,
              containerId: d.id.slice(0, 12),
              up: formatDuration(up),
              grace: formatDuration(ctx.graceMs),
              address: addressText(i.address),
              addressReason: i.addressReason,
            },
            at: containerLocation(d),
          }),
        ]
      })
  },
})

/** The running container that a registry-only entry points at although another entry claimed it first. */
function claimedBy(entry: RegistryEntry, view: ServiceView, service: string): Instance | undefined {
  const list = view.services.find((s) => s.name === service)?.instances ?? []
  return list.find((i) => {
    const d = i.docker
    if (!d || d.state !== 'running') return false
    if (entry.containerId && entry.containerId.length >= 12 && d.id.startsWith(entry.containerId.toLowerCase()))
      return true
    return i.addresses.some((a) => a.ip === entry.host && a.port === entry.port && a.port !== 0)
  })
}

function stoppedMatch(
  entry: RegistryEntry,
  instanceId: string,
  stopped: DockerContainer[],
): DockerContainer | undefined {
  return stopped.find(
    (d) =>
      (entry.containerId && entry.containerId.length >= 12 && d.id.startsWith(entry.containerId.toLowerCase())) ||
      d.name === instanceId,
  )
}

export const staleRegistration = defineCheck({
  meta: {
    id: 'STALE_REGISTRATION',
    severity: 'error',
    description: 'A registry entry that matches no running container (removed, exited, or an unknown address)',
    needs: ['docker', 'any-registry'],
  },
  check(view, ctx) {
    const out = []
    for (const i of allInstances(view)) {
      if (i.docker?.state === 'running') continue
      for (const entry of registryEntries(i)) {
        const evidence: Record<string, unknown> = {
          registry: entry.registry,
          key: entry.key,
          registered: entry.address ?? null,
        }
        if (entry.containerId) evidence.containerId = entry.containerId.slice(0, 12)
        let why: string
        const stopped = i.docker ?? stoppedMatch(entry, i.id, ctx.stopped)
        const twin = stopped ? undefined : claimedBy(entry, view, i.service)
        if (stopped) {
          evidence.reason = 'exited'
          evidence.container = {name: stopped.name, state: stopped.state, status: stopped.status}
          why = `its container ${stopped.name} is ${stopped.state} (${stopped.status})`
        } else if (twin) {
          evidence.reason = 'duplicate'
          evidence.container = twin.docker!.name
          evidence.registeredBy = twin.etcd?.key ?? twin.consul?.id
          why = `container ${twin.docker!.name} is already registered by ${twin.etcd?.key ?? twin.consul?.id}: this is a leftover second entry`
        } else if (entry.containerId) {
          evidence.reason = 'removed'
          why = `container ${entry.containerId.slice(0, 12)} no longer exists on this host`
        } else if (entry.address) {
          evidence.reason = 'unknown-address'
          why = `no running container of ${i.service} has ${entry.address}`
        } else {
          evidence.reason = 'no-address'
          evidence.valueError = entry.valueError
          why = `its value holds no address (${entry.valueError ?? 'unreadable'}) and names no container here`
        }

        out.push(
          ctx.report({
            instance: i,
            message: `registered at ${entry.address ?? '(no address)'} but ${why}`,
            hint:
              entry.registry === 'etcd'
                ? `the gateway routes to a dead address: delete it (etcdctl del ${entry.key}) and give registrations a lease so they expire`
                : `deregister it (consul services deregister -id=${entry.key}) and add a check with deregister_critical_service_after`,
            evidence,
            at: registryLocation(entry),
          }),
        )
      }
    }

    return out
  },
})

const KIND_TEXT: Record<string, string> = {
  'host-address': "the Docker host's / a bridge gateway's address",
  'loopback-unpublished': 'loopback without a published port',
  'loopback-only-binding': 'a port published on loopback only',
  'other-network': `another network's IP than the service network`,
  'published-port-not-service-port': 'a published port that is not the service port',
  'wrong-port': 'its IP with the wrong port',
  'another-container': "another container's IP",
  'not-its-address': 'an address it does not have',
  'no-address': 'no address',
}

export const wrongAddress = defineCheck({
  meta: {
    id: 'WRONG_ADDRESS',
    severity: 'error',
    description: 'A registration of a running container at an address the gateway cannot reach it on',
    needs: ['docker', 'any-registry'],
  },
  check(view, ctx) {
    const out = []
    for (const i of runningInstances(view)) {
      for (const entry of registryEntries(i)) {
        const verdict = judgeAddress(entry, i.docker!, i.port, ctx)
        if (!verdict) continue
        out.push(
          ctx.report({
            instance: i,
            message: `registered at ${entry.address ?? '(no address)'}, ${KIND_TEXT[verdict.kind]}: ${verdict.detail}`,
            hint: `register ${i.address ? addressText(i.address) : 'the address discover shows'} instead${verdict.kind === 'host-address' ? " (registrator: -internal, or -ip with the host's routable address and a published port)" : verdict.kind === 'other-network' || verdict.kind === 'another-container' ? ` (set ${ctx.keys.serviceNetwork} to the network the gateway shares)` : ''}`,
            evidence: {
              kind: verdict.kind,
              detail: verdict.detail,
              registry: entry.registry,
              key: entry.key,
              registered: entry.address ?? null,
              expected: i.address ? addressText(i.address) : null,
              addressReason: i.addressReason,
              containerAddresses: i.addresses.map(
                (a) => `${a.kind}:${addressText(a)}${a.network ? `@${a.network}` : ''}`,
              ),
              matchedBy: i.match,
            },
            at: registryLocation(entry),
          }),
        )
      }
    }

    return out
  },
})
