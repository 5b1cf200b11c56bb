import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'

// Secrets given on the command line stay out of oclif's DEBUG output and out of the report's command line.
const dir = mkdtempSync(join(tmpdir(), 'mcpt-argv-'))
after(() => rmSync(dir, {recursive: true, force: true}))

describe('argv secrets', () => {
  for (const debug of ['*', 'oclif*']) {
    test(`DEBUG=${debug} prints argv with its secrets masked`, async () => {
      const args = [
        'discover',
        '--source',
        'etcd',
        '--etcd-endpoints',
        'http://127.0.0.1:1',
        '--etcd-user',
        'root:PlantedPw77',
        '--timeout',
        '300ms',
      ]
      const r = await runCli(args, {env: testEnv({DEBUG: debug})})
      assert.match(r.stderr, /root:\[redacted\]/, 'oclif printed argv, masked')
      assert.ok(!r.stderr.includes('PlantedPw77') && !r.stdout.includes('PlantedPw77'), r.stderr.slice(0, 2000))
    })
  }

  test("a JSON body's password is masked in the report's command line", async () => {
    const server = createServer((req, res) => req.resume().on('end', () => res.end('ok')))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const report = join(dir, 'report.html')
      const url = `http://127.0.0.1:${(server.address() as {port: number}).port}/`
      const r = await runCli([
        'loadtest',
        url,
        '-c',
        '1',
        '--requests',
        '2',
        '-m',
        'POST',
        '--body',
        '{"user":"ann","password":"hunter2-planted"}',
        '--report',
        report,
      ])
      assert.equal(r.code, 0, r.stderr)
      const html = readFileSync(report, 'utf8')
      assert.ok(!html.includes('hunter2-planted'))
      assert.match(html, /&quot;password&quot;:&quot;\[redacted\]&quot;/)
    } finally {
      server.close()
    }
  })
})
