import type {Finding, Severity} from '../../report/findings/finding.js'
import type {LabelEntry, LabelSet} from '../types.js'

import {parseDuration} from '../../core/duration.js'
import {checkPort, type LabelKeyName} from '../../model/labels.js'
import {effectiveLabel, knownValue} from '../label-set.js'
import {defineRule, LabelSetRule, quoteValue, valuesOf} from './rule.js'

/** What a value check says about a bad value: the message tail and the fix. */
interface Problem {
  message: string
  hint: string
}

/**
 * A rule that checks every written value of one key (in every scope), data-driven: the table below
 * is the whole definition of each typed key.
 */
function valueRule(spec: {
  id: string
  key: LabelKeyName
  severity: Severity
  description: string
  validate(value: string, set: LabelSet, entry: LabelEntry): Problem | undefined
}): LabelSetRule {
  return defineRule({
    meta: {id: spec.id, severity: spec.severity, description: spec.description},
    check(set: LabelSet, ctx): Finding[] {
      const out: Finding[] = []
      for (const entry of valuesOf(set, ctx.keys[spec.key])) {
        const problem = spec.validate(entry.value, set, entry)
        if (!problem) continue
        const message = `${quoteValue(entry)} ${problem.message}`
        out.push(
          ctx.report({
            set,
            at: entry.valueLocation,
            message,
            hint: problem.hint,
            evidence: {key: entry.key, value: entry.value},
          }),
        )
      }

      return out
    },
  })
}

export const DNS_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/** A DNS label close to what was written, for the hint. */
export function toDnsLabel(value: string): string {
  return value
    .toLowerCase()
    .replaceAll(/[^a-z0-9-]+/g, '-')
    .replaceAll(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/(?<!-)-+$/, '')
}

export const serviceNameFormat = valueRule({
  id: 'service-name-format',
  key: 'serviceName',
  severity: 'error',
  description: 'The service name must be a DNS label: lowercase letters, digits and dashes, at most 63 characters',
  validate(value) {
    if (DNS_LABEL_RE.test(value)) return undefined
    const fixed = toDnsLabel(value)
    return {
      message: `is not a DNS label${value.length > 63 ? ' (longer than 63 characters)' : ''}`,
      hint: fixed
        ? `use lowercase letters, digits and dashes, e.g. ${fixed}`
        : 'use lowercase letters, digits and dashes, e.g. user-api',
    }
  },
})

/** An integer written the plain way (no sign, no leading zeros beyond "0", no unit). */
function plainInteger(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined
}

export const servicePortInvalid = valueRule({
  id: 'service-port-invalid',
  key: 'servicePort',
  severity: 'error',
  description: 'The service port must be an integer from 1 to 65535',
  validate(value) {
    const port = checkPort(value)
    if (port.ok) return undefined
    const m = /^(\d+)\/(tcp|udp)$/i.exec(value) ?? /^[^:]*:(\d+)$/.exec(value)
    return {
      message: port.problem === 'not-an-integer' ? 'is not an integer 1-65535' : 'is out of range 1-65535',
      hint: m
        ? `write the container port alone: ${m[1]}`
        : 'write the port the service listens on inside the container, e.g. 8080',
    }
  },
})

// RFC 3986 path (and optional query) characters, with valid percent-escapes.
const PATH_RE =
  /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$/

export const healthPathInvalid = valueRule({
  id: 'health-path-invalid',
  key: 'healthPath',
  severity: 'error',
  description: "The health path must be a URL path starting with '/'",
  validate(value) {
    if (PATH_RE.test(value)) return undefined
    if (!value.startsWith('/')) {
      const url = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(value)
      return {
        message: "does not start with '/'",
        hint: url ? `write only the path: ${url[1] ?? '/'}` : `write /${value.replace(/^\/*/, '')}`,
      }
    }

    return {message: 'is not a valid URL path', hint: 'percent-encode spaces and special characters; no #fragment'}
  },
})

// semver.org's regular expression.
const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

export const serviceVersionFormat = valueRule({
  id: 'service-version-format',
  key: 'serviceVersion',
  severity: 'warning',
  description: 'The service version must be a semantic version (1.4.2, 2.0.0-rc.1)',
  validate(value) {
    if (SEMVER_RE.test(value)) return undefined
    const bare = value.replace(/^v/i, '')
    return {
      message: 'is not a semantic version',
      hint: SEMVER_RE.test(bare) ? `drop the leading v: ${bare}` : 'write MAJOR.MINOR.PATCH, e.g. 1.4.2',
    }
  },
})

export const serviceWeightRange = valueRule({
  id: 'service-weight-range',
  key: 'serviceWeight',
  severity: 'error',
  description: 'The service weight must be an integer from 0 to 100',
  validate(value) {
    const n = plainInteger(value)
    if (n !== undefined && n <= 100) return undefined
    return {
      message: n === undefined ? 'is not an integer 0-100' : 'is out of range 0-100',
      hint: 'use 0 (no traffic) to 100',
    }
  },
})

export const serviceNetworkUnknown = valueRule({
  id: 'service-network-unknown',
  key: 'serviceNetwork',
  severity: 'error',
  description: 'The service network must be one of the networks the service is attached to',
  validate(value, set) {
    if (!set.networks || set.networks.includes(value)) return undefined
    return {
      message: `is not one of ${set.kind === 'container' ? 'its' : `${set.displayName}'s`} networks (${set.networks.join(', ') || 'none'})`,
      hint: `attach the service to ${value}, or name one of its networks`,
    }
  },
})

function durationRule(id: string, key: 'healthInterval' | 'healthTimeout') {
  return valueRule({
    id,
    key,
    severity: 'error',
    description: `The health-check ${key === 'healthInterval' ? 'interval' : 'timeout'} must be a duration with a unit, such as 5s or 500ms`,
    validate(value) {
      const ms = parseDuration(value)
      if (ms !== undefined && ms > 0) return undefined
      return {
        message: ms === 0 ? 'is zero' : 'is not a duration',
        hint: /^\d+(\.\d+)?$/.test(value)
          ? `add a unit: ${value}s or ${value}ms`
          : 'use a number with a unit: 500ms, 5s, 1m',
      }
    },
  })
}

export const healthIntervalFormat = durationRule('health-interval-format', 'healthInterval')
export const healthTimeoutFormat = durationRule('health-timeout-format', 'healthTimeout')

export const healthTimeoutTooLong = defineRule({
  meta: {
    id: 'health-timeout-too-long',
    severity: 'warning',
    description: 'The health-check timeout must be shorter than the interval',
  },
  check(set, ctx) {
    const interval = effectiveLabel(set, ctx.keys.healthInterval)
    const timeout = effectiveLabel(set, ctx.keys.healthTimeout)
    const i = parseDuration(knownValue(interval) ?? '')
    const t = parseDuration(knownValue(timeout) ?? '')
    if (!interval || !timeout || !i || !t || t < i) return []
    return [
      ctx.report({
        set,
        at: timeout.valueLocation,
        message: `${quoteValue(timeout)} is not shorter than ${quoteValue(interval)}`,
        hint: 'make the timeout shorter than the interval, so one probe ends before the next starts',
        evidence: {interval: interval.value, timeout: timeout.value},
      }),
    ]
  },
})

export const emptyValue = defineRule({
  meta: {
    id: 'empty-value',
    severity: 'error',
    description: 'A gateway label with an empty value',
  },
  check(set, ctx) {
    const keys = Object.values(ctx.keys)
    return set.labels
      .filter((l) => keys.includes(l.key) && l.value === '' && !l.unknownValue)
      .map((l) =>
        ctx.report({
          set,
          at: l.valueLocation,
          message: `${l.key} has an empty value`,
          hint: l.noEquals ? `a list label needs =: - ${l.key}=VALUE` : `give ${l.key} a value, or remove it`,
          evidence: {key: l.key},
        }),
      )
  },
})
