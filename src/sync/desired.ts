import type {AddressReason, DockerContainer, Instance} from '../model/types.js'
import type {Finding} from '../report/findings/finding.js'

import {joinHostPort} from '../model/address.js'
import {labelKeys} from '../model/labels.js'
import {mergeView} from '../model/merge.js'

/** What one registry entry should hold for one container (the value is built from it). */
export interface DesiredRegistration {
  /** `<registry prefix><service>/<instance>`; the instance is the container's name. */
  key: string
  service: string
  instance: string
  containerId: string
  container: string
  /** host:port a gateway connects to. */
  address: string
  host: string
  port: number
  addressReason: AddressReason
  servicePort: number
  version?: string
  weight?: number
  healthPath: string
  metadata: Record<string, string>
  registeredBy: string
}

/** Why a running labelled container is not registered. */
export type SkipReason = 'invalid-labels' | 'ambiguous-address' | 'no-address' | 'not-ready'

export interface SkippedContainer {
  container: string
  containerId: string
  service: string
  /** The key it would have (also the key of a registration to take away). */
  key: string
  reason: SkipReason
  detail: string
  /** invalid-labels: lint-labels' errors. */
  findings?: {ruleId: string; message: string}[]
  /** not-ready below --unhealthy-threshold: an existing registration stays until the threshold. */
  keepRegistered?: boolean
}

/** A running labelled container with the address the model chose for it, before readiness. */
export interface Candidate {
  instance: Instance
  container: DockerContainer
  key: string
  registration?: DesiredRegistration
  skip?: SkippedContainer
}

export interface DesiredOptions {
  labelPrefix: string
  registryPrefix: string
  /** The agent's name (registeredBy). */
  owner: string
  /** Replaces 0.0.0.0 / :: of a published binding: the Docker host's address for the gateway. */
  advertiseAddress: string
  /** The Docker host's address for host-networked containers. */
  dockerHostAddress?: string
  /** The registry key of a service's instance (etcd: `<prefix><service>/<instance>`; Consul: the service ID). */
  keyOf?: (service: string, instance: string) => string
  /** lint-labels' findings for one container (errors skip it). */
  lintContainer: (container: DockerContainer) => Finding[]
}

const AMBIGUOUS_HINT = 'set the service network label to the network the gateway shares'

/**
 * Every running container carrying the service name label, with the registration it would get
 * once ready, or why it gets none: labels that fail lint-labels (errors), or no address the judge of
 * discover and doctor (src/model/address.ts, through mergeView) would accept — ambiguous included.
 */
export function candidates(containers: DockerContainer[], options: DesiredOptions): Candidate[] {
  const keys = labelKeys(options.labelPrefix)
  const {labelPrefix, dockerHostAddress} = options
  const view = mergeView({containers, etcd: [], consul: [], sources: [], labelPrefix, dockerHostAddress})
  const out: Candidate[] = []
  for (const service of view.services) {
    for (const instance of service.instances) {
      const d = instance.docker
      if (!d || d.state !== 'running') continue
      const key = options.keyOf
        ? options.keyOf(service.name, d.name)
        : `${options.registryPrefix}${service.name}/${d.name}`
      const base = {container: d.name, containerId: d.id, service: service.name, key}
      const errors = options.lintContainer(d).filter((f) => f.severity === 'error')
      if (errors.length > 0) {
        out.push({
          instance,
          container: d,
          key,
          skip: {
            ...base,
            reason: 'invalid-labels',
            detail: errors.map((e) => e.message).join('; '),
            findings: errors.map((e) => ({ruleId: e.ruleId, message: e.message})),
          },
        })
        continue
      }

      const chosen = instance.address
      if (instance.addressReason === 'ambiguous' || !chosen || instance.port === undefined) {
        const detail =
          instance.addressReason === 'ambiguous'
            ? `on ${d.networks
                .filter((n) => n.ip)
                .map((n) => n.name)
                .join(', ')} and no ${keys.serviceNetwork} label: ${AMBIGUOUS_HINT}`
            : `no address a gateway could use (${instance.addressReason ?? 'unknown'})`
        const reason = instance.addressReason === 'ambiguous' ? 'ambiguous-address' : 'no-address'
        out.push({instance, container: d, key, skip: {...base, reason, detail}})
        continue
      }

      // A binding on every interface is reached through the host's own address.
      const host =
        chosen.kind === 'published' && (chosen.ip === '0.0.0.0' || chosen.ip === '::')
          ? options.advertiseAddress
          : chosen.ip
      const version = d.labels[keys.serviceVersion]?.trim()
      const weightText = d.labels[keys.serviceWeight]?.trim()
      out.push({
        instance,
        container: d,
        key,
        registration: {
          key,
          service: service.name,
          instance: d.name,
          containerId: d.id,
          container: d.name,
          address: joinHostPort(host, chosen.port),
          host,
          port: chosen.port,
          addressReason: instance.addressReason!,
          servicePort: instance.port,
          // Written only when labelled: doctor's LABEL_DRIFT compares a recorded value with the label.
          ...(version ? {version} : {}),
          ...(weightText && /^\d+$/.test(weightText) ? {weight: Number(weightText)} : {}),
          healthPath: instance.healthPath,
          metadata: {container: d.name, image: d.image},
          registeredBy: options.owner,
        },
      })
    }
  }

  return out
}

/** The value written to etcd: JSON (docs/json.md, "sync") or plain host:port. */
export function registrationValue(r: DesiredRegistration, format: 'json' | 'plain'): string {
  if (format === 'plain') return r.address
  return JSON.stringify({
    address: r.address,
    containerId: r.containerId,
    servicePort: r.servicePort,
    ...(r.version === undefined ? {} : {version: r.version}),
    ...(r.weight === undefined ? {} : {weight: r.weight}),
    healthPath: r.healthPath,
    metadata: r.metadata,
    registeredBy: r.registeredBy,
  })
}

/** For messages: "api/api-1 at 127.0.0.1:32768 (published)". */
export function describeRegistration(r: DesiredRegistration): string {
  return `${r.service}/${r.instance} at ${r.address} (${r.addressReason})`
}
