import * as Flags from '@oclif/core/flags'

import {profileFormat} from '../core/connections.js'
import {loadProjectConfig} from '../core/project-config.js'
import {FORMAT_NAMES} from '../report/findings/index.js'

/**
 * Flags used by more than one command, defined once. Commands spread the groups they need:
 *   static flags = {...connectionFlags, ...checkFlags, service: ...}
 */

/** How to reach Docker, etcd and Consul (resolved by src/core/connections.ts). */
export const connectionFlags = {
  'docker-host': Flags.string({
    description: 'Docker daemon to talk to (like DOCKER_HOST): unix:///var/run/docker.sock, tcp://host:2376; repeat for several hosts',
    helpGroup: 'CONNECTION',
    multiple: true,
  }),
  context: Flags.string({
    description: 'Docker CLI context to use (default: DOCKER_CONTEXT, then `docker context use`); repeat for several',
    helpGroup: 'CONNECTION',
    multiple: true,
  }),
  'all-contexts': Flags.boolean({
    description: 'Ask every Docker context in the docker CLI\'s store (and the default), in parallel',
    helpGroup: 'CONNECTION',
    exclusive: ['docker-host', 'context'],
  }),
  'etcd-endpoints': Flags.string({
    description: 'Comma-separated etcd endpoints (default: ETCDCTL_ENDPOINTS, then 127.0.0.1:2379)',
    helpGroup: 'CONNECTION',
  }),
  'etcd-user': Flags.string({
    description: 'etcd user, "name" or "name:password" (default: ETCDCTL_USER; password also from ETCDCTL_PASSWORD)',
    helpGroup: 'CONNECTION',
  }),
  'etcd-cacert': Flags.string({description: 'CA bundle to verify etcd servers (ETCDCTL_CACERT)', helpGroup: 'CONNECTION'}),
  'etcd-cert': Flags.string({description: 'Client certificate for etcd (ETCDCTL_CERT)', helpGroup: 'CONNECTION'}),
  'etcd-key': Flags.string({description: 'Client key for etcd (ETCDCTL_KEY)', helpGroup: 'CONNECTION'}),
  'registry-prefix': Flags.string({
    description: 'etcd key prefix the gateway registers under (default /services/)',
    helpGroup: 'CONNECTION',
  }),
  'consul-addr': Flags.string({
    description: 'Consul HTTP API address (default: CONSUL_HTTP_ADDR); token from CONSUL_HTTP_TOKEN',
    helpGroup: 'CONNECTION',
  }),
  'label-prefix': Flags.string({description: 'Label prefix the gateway reads (default mcp)', helpGroup: 'CONNECTION'}),
  timeout: Flags.string({description: 'Connect/request timeout per source (default 3s)', helpGroup: 'CONNECTION'}),
  profile: Flags.string({description: 'Named profile from .mcp.yaml (default: MCP_PROFILE)', helpGroup: 'CONNECTION'}),
}

/** Only Docker's (lint-labels --docker): a command shows only the flags it reads, not etcd's and Consul's. */
export const dockerConnectionFlags = {
  'docker-host': connectionFlags['docker-host'],
  context: connectionFlags.context,
  'all-contexts': connectionFlags['all-contexts'],
  'label-prefix': connectionFlags['label-prefix'],
  timeout: connectionFlags.timeout,
  profile: connectionFlags.profile,
}

/** Which of the sources to ask. */
export const sourceFlag = {
  source: Flags.string({
    description: 'Comma list of sources to ask: docker,etcd,consul (default: docker, etcd, and consul when configured)',
    helpGroup: 'CONNECTION',
  }),
}

/** Output and gating for every checking command (lint-labels, lint-config, validate, doctor). */
export const checkFlags = {
  format: Flags.string({
    char: 'o',
    description: 'Output format (default: MCP_FORMAT, then the profile\'s format, then stylish)',
    options: FORMAT_NAMES,
    env: 'MCP_FORMAT',
    // The profile is only known once --profile is parsed; noCacheDefault keeps the build's
    // `oclif manifest` from reading whatever config the build machine has.
    default: async ({flags}) => profileFormat(flags.profile as string | undefined, process.env, await loadProjectConfig(), FORMAT_NAMES).format,
    noCacheDefault: true,
    defaultHelp: 'stylish',
  }),
  'fail-on': Flags.string({
    description: 'Lowest severity that makes the exit code 1',
    options: ['error', 'warning', 'info', 'none'],
    default: 'error',
  }),
  'max-warnings': Flags.integer({description: 'Exit 1 when there are more warnings than this', min: 0}),
  rule: Flags.string({
    description: 'Change a rule\'s severity: id=off|info|warning|error (repeatable; also `rules:` in .mcp.yaml)',
    multiple: true,
    // One value per --rule: commands that take FILES must not see their files swallowed as rule values.
    multipleNonGreedy: true,
  }),
}

export const serviceFlag = {
  service: Flags.string({char: 's', description: 'Only this service (repeatable)', multiple: true}),
}

export const watchFlag = {
  watch: Flags.boolean({char: 'w', description: 'Keep running and print changes as they happen (Ctrl-C to stop)'}),
}

/** A self-contained HTML report next to the normal output (loadtest, trace). */
export const reportFlag = {
  report: Flags.string({description: 'Also write a self-contained HTML report (charts, no network needed to open) to this file', helpGroup: 'OUTPUT'}),
}
