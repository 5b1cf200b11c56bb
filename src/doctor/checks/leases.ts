import {formatDuration} from '../../core/duration.js'
import {allInstances, defineCheck, registryEntries, registryLocation} from '../check.js'

export const noLease = defineCheck({
  meta: {
    id: 'NO_LEASE',
    severity: 'warning',
    description: 'An etcd registration without a lease: it survives a crash of its container forever',
    needs: ['etcd'],
  },
  check(view, ctx) {
    return allInstances(view)
      .filter((i) => i.etcd && i.etcd.lease === null)
      .map((i) =>
        ctx.report({
          instance: i,
          message: `${i.etcd!.key} has no lease: if the container or its agent dies, the entry stays forever`,
          hint: 'register with a lease kept alive by the agent (etcdctl put --lease=<id>; etcdctl lease keep-alive <id>)',
          evidence: {key: i.etcd!.key, registered: i.etcd!.address ?? null, lease: null},
          at: registryLocation(registryEntries(i)[0]!),
        }),
      )
  },
})

export const longTtl = defineCheck({
  meta: {
    id: 'LONG_TTL',
    severity: 'warning',
    description: 'An etcd lease TTL above --max-ttl: a dead instance keeps getting traffic that long',
    needs: ['etcd'],
  },
  check(view, ctx) {
    return allInstances(view)
      .filter((i) => i.etcd?.lease && i.etcd.lease.grantedTtl > ctx.maxTtlSeconds)
      .map((i) => {
        const lease = i.etcd!.lease!
        return ctx.report({
          instance: i,
          message: `lease TTL ${formatDuration(lease.grantedTtl * 1000)} is above ${formatDuration(ctx.maxTtlSeconds * 1000)}: after a crash the gateway routes to it that long`,
          hint: `grant a shorter lease (etcdctl lease grant ${Math.min(ctx.maxTtlSeconds, 30)}) and keep it alive more often`,
          evidence: {
            key: i.etcd!.key,
            lease: lease.id,
            grantedTtl: lease.grantedTtl,
            remainingTtl: lease.ttl,
            maxTtl: ctx.maxTtlSeconds,
          },
          at: registryLocation(registryEntries(i)[0]!),
        })
      })
  },
})
