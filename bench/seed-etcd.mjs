// Writes N registrations under a prefix in batches, with a few shared leases as agents use them.
// usage: node bench/seed-etcd.mjs ENDPOINT PREFIX N [LEASES] [TTL_SECONDS=600]   (or --delete ENDPOINT PREFIX)
import {Etcd3} from 'etcd3'

const [a, b, c, d, e] = process.argv.slice(2)
if (a === '--delete') {
  const client = new Etcd3({hosts: b})
  await client.delete().prefix(c).exec()
  client.close()
  process.exit(0)
}

const [endpoint, prefix, n, leaseCount] = [a, b, Number(c), Number(d ?? 10)]
const client = new Etcd3({hosts: endpoint})
const leases = []
for (let i = 0; i < leaseCount; i++) {
  const lease = client.lease(Number(e ?? 600), {autoKeepAlive: false})
  await lease.grant()
  leases.push(lease)
}

for (let start = 0; start < n; start += 100) {
  const ops = []
  for (let i = start; i < Math.min(n, start + 100); i++) {
    const value = JSON.stringify({
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`,
      version: '1.0.0',
      weight: 10,
    })
    ops.push(
      client
        .put(`${prefix}svc${i % 50}/inst-${i}`)
        .value(value)
        .lease(await leases[i % leaseCount].grant()),
    )
  }

  await client
    .if(`${prefix}__never__`, 'Version', '==', 0)
    .then(...ops)
    .commit()
}

client.close()
