import {defineCheck, type DoctorCheck} from '../check.js'
import {ambiguousNetwork, labelDrift, labelInvalid, nameConflict, portNotExposed} from './labels.js'
import {longTtl, noLease} from './leases.js'
import {consulCritical, notReady} from './readiness.js'
import {staleRegistration, unregistered, wrongAddress} from './registration.js'
import {replicasShort, swarmLabelMismatch} from './swarm.js'

/**
 * Seen only while watching: a registration that appears before its container is ready. It is judged
 * on each etcd put (src/doctor/watch.ts), not on a snapshot, so check() has nothing to say.
 */
export const earlyRegistration = defineCheck({
  meta: {
    id: 'EARLY_REGISTRATION',
    severity: 'error',
    description: 'With --watch: a registration that appeared before its container was ready',
    needs: ['docker', 'etcd'],
    watchOnly: true,
  },
  check: () => [],
})

/** Every check, in the order findings are reported. */
export const DOCTOR_CHECKS: DoctorCheck[] = [
  unregistered,
  staleRegistration,
  wrongAddress,
  notReady,
  labelDrift,
  portNotExposed,
  noLease,
  longTtl,
  ambiguousNetwork,
  nameConflict,
  labelInvalid,
  consulCritical,
  replicasShort,
  swarmLabelMismatch,
  earlyRegistration,
]
