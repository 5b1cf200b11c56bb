import type {Instance} from '../model/types.js'

import {probeInstance} from '../discover/probe.js'

/** auto: Docker's health when the image has a HEALTHCHECK, else an HTTP GET of the health path. */
export type ReadyMode = 'auto' | 'docker-health' | 'http' | 'none'
export const READY_MODES: ReadyMode[] = ['auto', 'docker-health', 'http', 'none']

export interface Readiness {
  ready: boolean
  /** What was asked: docker-health, http, none. */
  via: 'docker-health' | 'http' | 'none'
  /** Why not (or the evidence of ready): "health: starting", "GET http://…/health → 503". */
  detail: string
}

/**
 * Is the container ready for traffic? Docker's health status `healthy`, or a 2xx from its health
 * path at the address it would be registered with (through a loopback-published port when there
 * is one: the same probe discover --probe uses), bounded by timeoutMs.
 */
export async function checkReady(instance: Instance, mode: ReadyMode, timeoutMs: number): Promise<Readiness> {
  const d = instance.docker!
  if (mode === 'none') return {ready: true, via: 'none', detail: 'readiness not checked (--ready none)'}
  const via = mode === 'auto' ? (d.health === 'none' ? 'http' : 'docker-health') : mode
  if (via === 'docker-health') {
    if (d.health === 'healthy') return {ready: true, via, detail: 'health: healthy'}
    if (d.health === 'none')
      return {ready: false, via, detail: 'the container has no HEALTHCHECK (use --ready http or auto)'}
    return {ready: false, via, detail: `health: ${d.health}`}
  }

  const p = await probeInstance(instance, {timeoutMs, any: true})
  if (!p.probed) return {ready: false, via, detail: `not probed: ${p.reason}`}
  const ok = p.status !== undefined && p.status >= 200 && p.status < 300
  return {ready: ok, via, detail: `GET ${p.url} → ${p.status ?? p.error}`}
}
