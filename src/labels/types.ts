import type {Location} from '../report/findings/finding.js'

/** Where a label was written: a compose service's `labels`, `deploy.labels` or `build.labels`, a Dockerfile LABEL, a live container. */
export type LabelScope = 'labels' | 'deploy.labels' | 'build.labels' | 'dockerfile' | 'container'

/** How it was written: compose map (`key: value`), compose list (`- key=value`), a LABEL pair, or read from Docker. */
export type LabelForm = 'map' | 'list' | 'dockerfile' | 'container'

/** One label as written, with where its key and value start. */
export interface LabelEntry {
  key: string
  /** The value after compose interpolation (files) or as Docker reports it (containers). */
  value: string
  scope: LabelScope
  form: LabelForm
  keyLocation?: Location
  valueLocation?: Location
  /** Compose variables the value references that are not set and have no default. */
  unresolved: string[]
  /**
   * The value depends on a Dockerfile ARG/ENV (known only at build time), so value checks skip it.
   * Compose values with unresolved variables are unknown too.
   */
  unknownValue: boolean
  /** A list-form item without `=`: compose gives it an empty value. */
  noEquals?: boolean
}

/** A container port a service, image or container exposes or publishes. */
export interface PortDeclaration {
  port: number
  /** Last port of a range (`8000-8010`). */
  endPort?: number
  /** expose, ports, EXPOSE (Dockerfile), container (Docker's port list). */
  via: 'expose' | 'ports' | 'EXPOSE' | 'container'
}

export type LabelSetKind = 'compose' | 'dockerfile' | 'container'

/** Every label one deployable thing carries (a compose service, a Dockerfile's image, a container), with what the rules need to know about it. */
export interface LabelSet {
  kind: LabelSetKind
  /** The compose service key, the Dockerfile path or the container name. */
  name: string
  /** How findings name it: `service api`, `Dockerfile`, `container api-1`. */
  displayName: string
  /** Where the set is declared: the service key, the file start, the container. */
  location: Location
  labels: LabelEntry[]
  /**
   * Ports exposed or published. undefined: unknown (no Dockerfile visible, network shared with
   * another container); `dynamic` when an EXPOSE or a port uses a variable.
   */
  ports?: PortDeclaration[]
  portsDynamic?: boolean
  /** Why the port check does not apply (host networking, a shared network namespace). */
  portsNotApplicable?: string
  /** Networks the service is attached to, by every name that may refer to them; undefined: unknown. */
  networks?: string[]
  /** Container id, for container sets. */
  containerId?: string
  host?: string
}
