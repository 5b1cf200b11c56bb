import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ROOT, runCli, testEnv} from '../helpers/cli.js'
import {requireEtcd, TEST_ETCD} from '../helpers/services.js'

const dir = mkdtempSync(join(tmpdir(), 'mcp-config-it-'))
const xdg = join(dir, 'xdg')
const project = join(dir, 'project')
const userFile = join(xdg, 'mcp', 'config.yaml')
const SECRET = 'pw-never-shown-7f3a'

const USER = `# environments
current-profile: local
profiles:
  local:
    etcd: {endpoints: ${TEST_ETCD}}
    format: json
  dead:
    etcd: {endpoints: http://127.0.0.1:1}
    timeout: 500ms
  secure:
    etcd: {endpoints: http://127.0.0.1:1, user: ops, passwordEnv: DEAD_ETCD_PASS}
`

/** The test environment with no etcd endpoint from the environment, so profiles decide. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e = testEnv({XDG_CONFIG_HOME: xdg, ...extra})
  if (!('ETCDCTL_ENDPOINTS' in extra)) delete e.ETCDCTL_ENDPOINTS
  return e
}

before(async () => {
  await requireEtcd()
  mkdirSync(join(xdg, 'mcp'), {recursive: true})
  mkdirSync(project, {recursive: true})
  writeFileSync(userFile, USER)
  writeFileSync(join(project, '.mcp.yaml'), 'profiles:\n  project-only:\n    labelPrefix: gw\n')
  writeFileSync(
    join(project, 'compose.yaml'),
    'services:\n  web:\n    image: nginx\n    labels:\n      mcp.service.name: web\n      mcp.service.port: "80a"\n',
  )
})
after(() => rmSync(dir, {recursive: true, force: true}))

describe('mcp config and profile precedence through the CLI', () => {
  test('config list: every profile, its file and scope, the current one marked', async () => {
    const r = await runCli(['config', 'list'], {cwd: project, env: env()})
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.match(lines[0]!, /^CURRENT\s+NAME\s+SCOPE\s+FILE$/)
    assert.match(r.stdout, new RegExp(`\\*\\s+local\\s+user\\s+${userFile}`))
    assert.match(r.stdout, /\n\s+project-only\s+project\s+.*\.mcp\.yaml/)
    const j = await runCli(['config', 'list', '--json'], {cwd: project, env: env({MCP_PROFILE: 'dead'})})
    const doc = JSON.parse(j.stdout)
    assert.deepEqual(doc.current, {name: 'dead', selectedBy: 'env', defined: true})
    assert.deepEqual(
      doc.profiles.map((p: {name: string}) => p.name),
      ['dead', 'local', 'project-only', 'secure'],
    )
  })

  test('config show: origins of every value, secrets described and never printed', async () => {
    const r = await runCli(['config', 'show', 'secure', '--timeout', '2s'], {
      cwd: project,
      env: env({DEAD_ETCD_PASS: SECRET, MCP_LABEL_PREFIX: 'envp'}),
    })
    assert.equal(r.code, 0, r.stderr)
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET))
    assert.match(r.stdout, /^profile secure {2}\(from --profile; defined in .*config\.yaml\)/)
    assert.match(r.stdout, /etcd\.endpoints\s+http:\/\/127\.0\.0\.1:1\s+profile \(etcd\.endpoints\)/)
    assert.match(r.stdout, /etcd\.password\s+\[from env DEAD_ETCD_PASS\]\s+profile \(etcd\.passwordEnv\)/)
    assert.match(r.stdout, /timeout\s+2s\s+flag \(--timeout\)/)
    assert.match(r.stdout, /labelPrefix\s+envp\s+env \(MCP_LABEL_PREFIX\)/)
    assert.match(r.stdout, /registryPrefix\s+\/services\/\s+default/)
    const j = await runCli(['config', 'show', '--json'], {
      cwd: project,
      env: env({DEAD_ETCD_PASS: SECRET, ETCDCTL_PASSWORD: 'other-secret-99'}),
    })
    assert.ok(!j.stdout.includes('other-secret-99'))
    const doc = JSON.parse(j.stdout)
    assert.equal(doc.profile.name, 'local')
    const pw = doc.settings.find((s: {key: string}) => s.key === 'etcd.password')
    assert.deepEqual(pw, {
      key: 'etcd.password',
      value: '[from env ETCDCTL_PASSWORD]',
      from: 'env',
      via: 'ETCDCTL_PASSWORD',
      secret: true,
    })
  })

  test('precedence on a real command: flag > environment > profile', async () => {
    // The profile alone: its dead endpoint is used (etcd unreachable, exit 5 for --source etcd).
    const profile = await runCli(['discover', '--source', 'etcd', '--profile', 'dead', '--json'], {
      cwd: project,
      env: env(),
    })
    assert.equal(profile.code, 5, profile.stderr)
    assert.equal(JSON.parse(profile.stdout).sources[0].endpoint, 'http://127.0.0.1:1')
    // The environment beats the profile.
    const fromEnv = await runCli(['discover', '--source', 'etcd', '--profile', 'dead', '--json'], {
      cwd: project,
      env: env({ETCDCTL_ENDPOINTS: TEST_ETCD}),
    })
    assert.equal(fromEnv.code, 0, fromEnv.stderr)
    // A flag beats the environment.
    const flag = await runCli(['discover', '--source', 'etcd', '--etcd-endpoints', TEST_ETCD, '--json'], {
      cwd: project,
      env: env({MCP_PROFILE: 'dead', ETCDCTL_ENDPOINTS: 'http://127.0.0.1:1'}),
    })
    assert.equal(flag.code, 0, flag.stderr)
    assert.equal(JSON.parse(flag.stdout).sources[0].endpoint, TEST_ETCD)
    // current-profile (local) applies with nothing else given.
    const current = await runCli(['discover', '--source', 'etcd', '--json'], {cwd: project, env: env()})
    assert.equal(current.code, 0, current.stderr)
    // An unknown profile: one line, exit 2, with a suggestion.
    const typo = await runCli(['discover', '--profile', 'locl'], {cwd: project, env: env()})
    assert.equal(typo.code, 2)
    assert.equal(
      typo.stderr,
      'mcp: profile "locl" is not defined\n  hint: did you mean "local"? (mcp config list shows them all)\n',
    )
  })

  test("the checking commands' --format default comes from the profile; MCP_FORMAT and --format win", async () => {
    const fromProfile = await runCli(['lint-labels'], {cwd: project, env: env()})
    assert.equal(fromProfile.code, 1)
    assert.ok(
      JSON.parse(fromProfile.stdout).findings.some((f: {ruleId: string}) => f.ruleId === 'service-port-invalid'),
    )
    const fromEnv = await runCli(['lint-labels'], {cwd: project, env: env({MCP_FORMAT: 'github'})})
    assert.match(fromEnv.stdout, /^::error file=compose.yaml/m)
    const fromFlag = await runCli(['lint-labels', '--format', 'stylish'], {
      cwd: project,
      env: env({MCP_FORMAT: 'github'}),
    })
    assert.match(fromFlag.stdout, /compose\.yaml/)
    assert.doesNotMatch(fromFlag.stdout, /^::error|^\{/)
    const stylish = await runCli(['lint-labels', '--profile', 'dead'], {cwd: project, env: env()})
    assert.doesNotMatch(stylish.stdout, /^\{/)
  })

  test('config use: writes current-profile, keeps the rest of the file; unknown names are refused', async () => {
    const r = await runCli(['config', 'use', 'dead'], {cwd: project, env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, `Switched to profile "dead" (${userFile}).\n`)
    assert.equal(readFileSync(userFile, 'utf8'), USER.replace('current-profile: local', 'current-profile: dead'))
    const list = JSON.parse((await runCli(['config', 'list', '--json'], {cwd: project, env: env()})).stdout)
    assert.equal(list.current.name, 'dead')
    const bad = await runCli(['config', 'use', 'nope', '--json'], {cwd: project, env: env()})
    assert.equal(bad.code, 2)
    assert.equal(JSON.parse(bad.stdout).error.kind, 'usage')
    assert.equal(readFileSync(userFile, 'utf8'), USER.replace('current-profile: local', 'current-profile: dead'))
    const back = await runCli(['config', 'use', 'local', '--json'], {cwd: project, env: env({MCP_PROFILE: 'dead'})})
    assert.deepEqual(JSON.parse(back.stdout), {
      currentProfile: 'local',
      previous: 'dead',
      file: userFile,
      overriddenBy: 'MCP_PROFILE=dead',
    })
    assert.match(back.stderr, /MCP_PROFILE=dead overrides it here/)
  })

  test('--quiet: no warnings on stderr, errors still print', async () => {
    const loud = await runCli(
      ['discover', '--source', 'etcd', '--etcd-endpoints', 'http://127.0.0.1:1', '--timeout', '500ms'],
      {cwd: ROOT, env: env()},
    )
    assert.equal(loud.code, 5)
    assert.notEqual(loud.stderr, '')
    const quiet = await runCli(
      ['discover', '--source', 'etcd', '--etcd-endpoints', 'http://127.0.0.1:1', '--timeout', '500ms', '-q'],
      {cwd: ROOT, env: env()},
    )
    assert.equal(quiet.code, 5)
    assert.equal(quiet.stderr, '')
    const error = await runCli(['config', 'use', 'nope', '--quiet'], {cwd: project, env: env()})
    assert.equal(error.code, 2)
    assert.match(error.stderr, /^mcp: profile "nope" is not defined\n/)
  })

  test("a cloned repository's .mcp.yaml sends nothing to its endpoints until `mcp config trust`", async () => {
    let connections = 0
    const listener = createServer((socket) => {
      connections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = listener.address() as {port: number}
      const repo = join(dir, 'cloned')
      mkdirSync(join(repo, '.git'), {recursive: true})
      writeFileSync(join(dir, 'secret-file'), 'local-secret\n')
      const planted = `current-profile: theirs\nprofiles:\n  theirs:\n    etcd: {endpoints: http://127.0.0.1:${port}, user: me, passwordFile: ../secret-file}\n`
      writeFileSync(join(repo, '.mcp.yaml'), planted)
      const ownXdg = join(dir, 'xdg-cloned')
      const args = ['discover', '--source', 'etcd', '--timeout', '500ms', '--json']
      const r = await runCli(args, {cwd: repo, env: env({XDG_CONFIG_HOME: ownXdg})})
      assert.equal(connections, 0, 'nothing sent to the endpoint the repository chose')
      assert.equal(JSON.parse(r.stdout).sources[0].endpoint, 'http://127.0.0.1:2379')
      assert.equal(
        r.stderr.split('\n')[0],
        `mcp: warning: ${join(repo, '.mcp.yaml')} is not trusted: ignored current-profile theirs, profiles.theirs.etcd (a project file ` +
          `chooses endpoints and secret references only once trusted); if it is yours, run: mcp config trust ${join(repo, '.mcp.yaml')}`,
      )
      const trust = await runCli(['config', 'trust'], {cwd: repo, env: env({XDG_CONFIG_HOME: ownXdg})})
      assert.equal(trust.code, 0, trust.stderr)
      assert.match(
        trust.stdout,
        /^Trusted .*cloned\/\.mcp\.yaml \(sha256 [0-9a-f]{12}…\), recorded in .*xdg-cloned\/mcp\/config\.yaml\.\n$/,
      )
      const trusted = await runCli(args, {cwd: repo, env: env({XDG_CONFIG_HOME: ownXdg})})
      assert.ok(connections > 0, 'a trusted file counts')
      assert.doesNotMatch(trusted.stderr, /not trusted/)
    } finally {
      listener.close()
    }
  })
})
