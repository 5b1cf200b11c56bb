import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {lintLabels} from '../../../src/labels/lint.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/labels/compose/${name}.yaml`, import.meta.url))

describe('lint-labels --swarm: deploy.labels is the right place in Swarm mode, the wrong one otherwise', () => {
  test('without --swarm: labels only under deploy.labels are flagged', async () => {
    const {findings} = await lintLabels({composeFiles: [fixture('deploy-labels-only')]})
    assert.ok(findings.some((f) => f.ruleId === 'deploy-labels-only'))
    const swarmFixture = await lintLabels({composeFiles: [fixture('swarm-deploy-labels-missing')]})
    assert.ok(!swarmFixture.findings.some((f) => f.ruleId === 'swarm-deploy-labels-missing'))
  })

  test('with --swarm: the reverse — container labels missing from deploy.labels', async () => {
    const {findings} = await lintLabels({composeFiles: [fixture('deploy-labels-only')], swarm: true})
    assert.ok(!findings.some((f) => f.ruleId === 'deploy-labels-only' || f.ruleId === 'swarm-deploy-labels-missing'))
    const swarm = await lintLabels({composeFiles: [fixture('swarm-deploy-labels-missing')], swarm: true})
    const hits = swarm.findings.filter((f) => f.ruleId === 'swarm-deploy-labels-missing')
    assert.deepEqual(
      hits.map((f) => f.location?.kind === 'file' && f.location.line),
      [6, 13],
      'map and list forms, not the service with both',
    )
    assert.match(hits[0]!.message, /not under deploy\.labels: in Swarm mode service map-form will not carry them/)
  })
})
