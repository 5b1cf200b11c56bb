import type {OptionFlag} from '@oclif/core/interfaces'

import * as Flags from '@oclif/core/flags'

import {profileFormat} from '../core/connections.js'
import {parseDurationFlag} from '../core/duration.js'
import {loadProjectConfig} from '../core/project-config.js'
import {FORMAT_NAMES} from '../report/findings/index.js'

/**
 * Flags used by more than one command, defined once. Commands spread the groups they need:
 *   static flags = {...connectionFlags, ...checkFlags, service: ...}
 */

interface DurationFlagOptions {
  description: string
  helpGroup?: string
  /** 0 is a valid value (--grace 0s: at once); otherwise it is refused. */
  allowZero?: boolean
  exclusive?: string[]
}

const durationOption = Flags.custom<number, {allowZero?: boolean}>({
  parse: async (text, _context, flag) => parseDurationFlag(flag.name, text, {allowZero: flag.allowZero}),
})

/**
 * A duration (500ms, 2s, 1m; a bare number is seconds, as wrk's -d), parsed by oclif into
 * milliseconds: a bad value is one line naming the flag, with a hint, before run() starts. The
 * default is written as people type it, and shown that way in --help.
 */
export function durationFlag(options: DurationFlagOptions & {default: string}): OptionFlag<number>
export function durationFlag(options: DurationFlagOptions): OptionFlag<number | undefined>
export function durationFlag(options: DurationFlagOptions & {default?: string}): OptionFlag<number | undefined> {
  const {default: text, ...rest} = options
  if (text === undefined) return durationOption(rest)
  const ms = parseDurationFlag('default', text, {allowZero: options.allowZero})
  // A function, not the text: oclif caches a defaultHelp function's answer in the manifest and help.
  return durationOption({...rest, default: ms, defaultHelp: async () => text})
}

/** --fail-on: the lowest severity that fails the run ('none': never). */
export const FAIL_ON_LEVELS = ['error', 'warning', 'info', 'none'] as const
export type FailOnLevel = (typeof FAIL_ON_LEVELS)[number]

/** A severity threshold, typed by its options (no `as` cast where it is read). */
export const severityFlag = Flags.option({options: FAIL_ON_LEVELS})

/** How to reach Docker, etcd and Consul (resolved by src/core/connections.ts). */
export const connectionFlags = {
  'docker-host': Flags.string({
    description:
      'Docker daemon to talk to (like DOCKER_HOST): unix:///var/run/docker.sock, tcp://host:2376; repeat for several hosts',
    helpGroup: 'CONNECTION',
    multiple: true,
  }),
  context: Flags.string({
    description: 'Docker CLI context to use (default: DOCKER_CONTEXT, then `docker context use`); repeat for several',
    helpGroup: 'CONNECTION',
    multiple: true,
  }),
  'all-contexts': Flags.boolean({
    description: "Ask every Docker context in the docker CLI's store (and the default), in parallel",
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
  'etcd-cacert': Flags.string({
    description: 'CA bundle to verify etcd servers (ETCDCTL_CACERT)',
    helpGroup: 'CONNECTION',
  }),
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
    description: "Output format (default: MCP_FORMAT, then the profile's format, then stylish)",
    options: FORMAT_NAMES,
    env: 'MCP_FORMAT',
    // The profile is only known once --profile is parsed; noCacheDefault keeps the build's
    // `oclif manifest` from reading whatever config the build machine has.
    default: async ({flags}) =>
      profileFormat(flags.profile as string | undefined, process.env, await loadProjectConfig(), FORMAT_NAMES).format,
    noCacheDefault: true,
    // Nothing for help to show (the description says it): as a function, it also keeps help from calling
    // `default` (reading .mcp.yaml) when a duration flag's defaultHelp makes the command's help dynamic.
    defaultHelp: async () => undefined,
  }),
  'fail-on': severityFlag({description: 'Lowest severity that makes the exit code 1', default: 'error'}),
  'max-warnings': Flags.integer({description: 'Exit 1 when there are more warnings than this', min: 0}),
  rule: Flags.string({
    description: "Change a rule's severity: id=off|info|warning|error (repeatable; also `rules:` in .mcp.yaml)",
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
  report: Flags.string({
    description: 'Also write a self-contained HTML report (charts, no network needed to open) to this file',
    helpGroup: 'OUTPUT',
  }),
}
