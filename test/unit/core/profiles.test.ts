import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {profileFormat, resolveConnections} from '../../../src/core/connections.js'
import {listProfiles, showProfile, trustProjectFile, useProfile} from '../../../src/core/profiles.js'
import {findProjectConfig, loadProjectConfig, setConfigWarningSink} from '../../../src/core/project-config.js'

const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit']
const root = mkdtempSync(join(tmpdir(), 'mcp-profiles-'))
after(() => rmSync(root, {recursive: true, force: true}))

/** A user config dir and a project dir with .mcp.yaml; returns env and cwd for loadProjectConfig. */
function setup(name: string, user: string | undefined, project: string | undefined) {
  const dir = join(root, name)
  const xdg = join(dir, 'xdg')
  const cwd = join(dir, 'project', 'sub')
  mkdirSync(join(xdg, 'mcp'), {recursive: true})
  mkdirSync(cwd, {recursive: true})
  if (user !== undefined) writeFileSync(join(xdg, 'mcp', 'config.yaml'), user)
  if (project !== undefined) writeFileSync(join(dir, 'project', '.mcp.yaml'), project)
  const env = {XDG_CONFIG_HOME: xdg}
  return {dir, cwd, env, userFile: join(xdg, 'mcp', 'config.yaml'), projectFile: join(dir, 'project', '.mcp.yaml')}
}

const USER = `# my environments
current-profile: prod   # the one I use most
profiles:
  prod:
    docker: {host: tcp://10.0.0.5:2376, tlsVerify: true, certPath: certs}
    etcd:
      endpoints: [10.0.0.1:2379, 10.0.0.2:2379]
      user: ops
      passwordEnv: PROD_ETCD_PASS
      cacert: tls/ca.pem
    format: sarif
  staging:
    etcd: {endpoints: 10.1.0.1:2379, passwordFile: secrets/etcd-pass}
    consul: {addr: 10.1.0.9:8500, tokenFile: /nonexistent/token}
`

describe('profiles: files, precedence, secrets', () => {
  test('a project profile replaces a user one of the same name; each records its file', async () => {
    const s = setup('merge', USER, 'profiles:\n  staging:\n    labelPrefix: gw\n')
    await trustProjectFile(undefined, s.env, s.cwd)
    const config = await loadProjectConfig(s.cwd, s.env)
    assert.deepEqual(config.files, [s.userFile, s.projectFile])
    assert.equal(config.profileFiles?.prod, s.userFile)
    assert.equal(config.profileFiles?.staging, s.projectFile)
    assert.deepEqual(config.profiles?.staging, {labelPrefix: 'gw'})
    const list = listProfiles(config, undefined, s.env)
    assert.deepEqual(
      list.profiles.map((p) => [p.name, p.scope, p.current]),
      [
        ['prod', 'user', true],
        ['staging', 'project', false],
      ],
    )
    assert.deepEqual(list.current, {name: 'prod', selectedBy: 'current-profile', file: s.userFile, defined: true})
    assert.equal(listProfiles(config, undefined, {...s.env, MCP_PROFILE: 'staging'}).current?.selectedBy, 'env')
    assert.equal(
      listProfiles(config, 'staging', {...s.env, MCP_PROFILE: 'prod'}).current?.name,
      'staging',
      '--profile beats MCP_PROFILE',
    )
  })

  test("relative file paths in a profile are taken from the config file's directory", async () => {
    const s = setup('paths', USER, undefined)
    const p = (await loadProjectConfig(s.cwd, s.env)).profiles!.prod!
    assert.equal(p.etcd?.cacert, join(s.dir, 'xdg', 'mcp', 'tls', 'ca.pem'))
    assert.equal(p.docker?.certPath, join(s.dir, 'xdg', 'mcp', 'certs'))
  })

  test('flag > environment > profile > default, with the origin of each', async () => {
    const s = setup('precedence', USER, undefined)
    const config = await loadProjectConfig(s.cwd, s.env)
    const env = {...s.env, PROD_ETCD_PASS: 'pw-from-env-123', MCP_TIMEOUT: '5s'}
    const c = resolveConnections({'label-prefix': 'flagged'}, env, config)
    assert.equal(c.profileName, 'prod')
    assert.deepEqual(c.etcd.endpoints, ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'])
    assert.equal(c.etcd.password, 'pw-from-env-123')
    assert.equal(c.docker.host, 'tcp://10.0.0.5:2376')
    assert.equal(c.timeoutMs, 5000)
    assert.deepEqual(c.origins?.['etcd.endpoints'], {from: 'profile', via: 'etcd.endpoints'})
    assert.deepEqual(c.origins?.timeout, {from: 'env', via: 'MCP_TIMEOUT'})
    assert.deepEqual(c.origins?.labelPrefix, {from: 'flag', via: '--label-prefix'})
    assert.deepEqual(c.origins?.registryPrefix, {from: 'default'})
    assert.equal(c.origins?.['etcd.password']?.secret, '[from env PROD_ETCD_PASS]')
    // The environment beats the profile, DOCKER_HOST beats the profile's docker.host (the profile's cacert makes them https).
    const e = resolveConnections({}, {...env, ETCDCTL_ENDPOINTS: 'e:1', DOCKER_HOST: 'unix:///tmp/d.sock'}, config)
    assert.deepEqual(e.etcd.endpoints, ['https://e:1'])
    assert.equal(e.docker.host, 'unix:///tmp/d.sock')
    assert.deepEqual(e.origins?.docker, {from: 'env', via: 'DOCKER_HOST'})
    // And a flag beats both.
    const f = resolveConnections(
      {'etcd-endpoints': 'f:2', context: 'remote'},
      {...env, ETCDCTL_ENDPOINTS: 'e:1'},
      config,
    )
    assert.deepEqual(f.etcd.endpoints, ['https://f:2'])
    assert.deepEqual(f.docker, {context: 'remote', tlsVerify: true, certPath: join(s.dir, 'xdg', 'mcp', 'certs')})
  })

  test('format: MCP_FORMAT > profile > stylish; a bad profile format is a usage error', async () => {
    const s = setup('format', USER, 'profiles:\n  typo:\n    format: sarfi\n')
    const config = await loadProjectConfig(s.cwd, s.env)
    assert.equal(profileFormat(undefined, s.env, config, FORMATS).format, 'sarif')
    assert.equal(profileFormat(undefined, {...s.env, MCP_FORMAT: 'json'}, config, FORMATS).format, 'json')
    assert.equal(profileFormat('staging', s.env, config, FORMATS).format, 'stylish')
    assert.throws(() => profileFormat('typo', s.env, config, FORMATS), /format "sarfi" is not an output format/)
  })

  test('show: secrets are described, never printed; missing files are noted, not fatal', async () => {
    const s = setup('show', USER, undefined)
    mkdirSync(join(s.dir, 'xdg', 'mcp', 'secrets'))
    writeFileSync(join(s.dir, 'xdg', 'mcp', 'secrets', 'etcd-pass'), 'file-secret-pw\n')
    const config = await loadProjectConfig(s.cwd, s.env)
    const shown = showProfile({profile: 'staging'}, s.env, config, FORMATS)
    const text = JSON.stringify(shown)
    assert.ok(!text.includes('file-secret-pw'), text)
    const byKey = Object.fromEntries(shown.settings.map((x) => [x.key, x]))
    assert.equal(byKey['etcd.password']!.value, `[from file ${join(s.dir, 'xdg', 'mcp', 'secrets', 'etcd-pass')}]`)
    assert.equal(byKey['etcd.password']!.secret, true)
    assert.match(byKey['consul.token']!.value!, /^\[from file \/nonexistent\/token\] \(unreadable: ENOENT\)$/)
    assert.equal(byKey['etcd.endpoints']!.from, 'profile')
    assert.equal(byKey.format!.from, 'default')
    assert.deepEqual(shown.profile, {name: 'staging', file: s.userFile, selectedBy: 'flag'})
    const prod = showProfile({}, {...s.env, PROD_ETCD_PASS: 'env-secret-pw'}, config, FORMATS)
    assert.ok(!JSON.stringify(prod).includes('env-secret-pw'))
    const cacert = prod.settings.find((x) => x.key === 'etcd.cacert')!
    assert.equal(cacert.note, 'file not found')
    // A command (not config show) fails on the unreadable token with one line.
    assert.throws(
      () => resolveConnections({profile: 'staging'}, s.env, config),
      /cannot read the Consul token from \/nonexistent\/token: ENOENT/,
    )
  })

  test('bad profiles: unknown keys with a suggestion, literal secrets refused', async () => {
    const typo = setup('typo', undefined, 'profiles:\n  a:\n    etcd: {endpionts: x:1}\n')
    await assert.rejects(
      () => loadProjectConfig(typo.cwd, typo.env),
      (e: Error & {hint?: string}) =>
        /unknown setting "etcd.endpionts"/.test(e.message) && /etcd.endpoints/.test(e.hint ?? ''),
    )
    const literal = setup('literal', undefined, 'profiles:\n  a:\n    etcd: {password: hunter22}\n')
    await assert.rejects(
      () => loadProjectConfig(literal.cwd, literal.env),
      /etcd.password: secrets are not written in config files/,
    )
    const userpw = setup('userpw', undefined, 'profiles:\n  a:\n    etcd: {user: "root:hunter22"}\n')
    await assert.rejects(() => loadProjectConfig(userpw.cwd, userpw.env), /writes a secret into the file/)
    const unknownProfile = setup('unknown', undefined, 'current-profile: prdo\nprofiles:\n  prod: {}\n')
    await trustProjectFile(unknownProfile.projectFile, unknownProfile.env, unknownProfile.cwd)
    await assert.rejects(
      async () =>
        resolveConnections({}, unknownProfile.env, await loadProjectConfig(unknownProfile.cwd, unknownProfile.env)),
      /profile "prdo" \(current-profile in .*\) is not defined/,
    )
  })

  test('use: writes current-profile atomically, keeping comments, order and mode', async () => {
    const s = setup('use', USER, undefined)
    chmodSync(s.userFile, 0o600)
    const config = await loadProjectConfig(s.cwd, s.env)
    const r = useProfile('staging', config, s.env)
    assert.deepEqual(r, {currentProfile: 'staging', previous: 'prod', file: s.userFile})
    const text = readFileSync(s.userFile, 'utf8')
    assert.equal(text, USER.replace('current-profile: prod', 'current-profile: staging'))
    assert.equal(statSync(s.userFile).mode & 0o777, 0o600)
    assert.throws(() => useProfile('stagign', config, s.env), /profile "stagign" is not defined/)
  })

  test('use: creates the user file when there is none; says what overrides it', async () => {
    const s = setup('use-new', undefined, 'current-profile: a\nprofiles:\n  a: {}\n  b: {}\n')
    const config = await loadProjectConfig(s.cwd, {...s.env, MCP_CONFIG: s.projectFile})
    const r = useProfile('b', config, s.env)
    assert.equal(readFileSync(s.userFile, 'utf8'), 'current-profile: b\n')
    assert.equal(r.overriddenBy, `current-profile in ${s.projectFile}`)
    assert.equal(useProfile('b', config, {...s.env, MCP_PROFILE: 'a'}).overriddenBy, 'MCP_PROFILE=a')
  })

  test('use: a broken user file is refused and left as it was', async () => {
    const s = setup('use-broken', undefined, 'profiles:\n  a: {}\n')
    writeFileSync(s.userFile, 'profiles: [\n')
    const config = await loadProjectConfig(s.cwd, {XDG_CONFIG_HOME: join(s.dir, 'elsewhere')})
    assert.throws(
      () => useProfile('a', config, s.env),
      (e: Error & {where?: string}) => /config\.yaml:\d+:\d+$/.test(e.where ?? ''),
    )
    assert.equal(readFileSync(s.userFile, 'utf8'), 'profiles: [\n')
  })

  // A cloned repository must not send the user's secrets where it likes.
  test('an untrusted project file: no endpoints, secret references or current-profile; one warning says how to trust it', async () => {
    const project = [
      'current-profile: evil',
      'rules: {service-port-invalid: info}',
      'profiles:',
      '  evil:',
      '    etcd: {endpoints: http://127.0.0.1:9, user: root, passwordFile: /etc/hostname}',
      '    consul: {addr: 127.0.0.1:9, tokenEnv: AWS_SECRET_ACCESS_KEY}',
      '    labelPrefix: gw',
      '  prod:',
      '    etcd: {endpoints: http://127.0.0.1:9}',
      '',
    ].join('\n')
    const s = setup('untrusted', USER, project)
    const warnings: string[] = []
    setConfigWarningSink((line) => warnings.push(line))
    try {
      const config = await loadProjectConfig(s.cwd, s.env)
      assert.equal(warnings.length, 1)
      assert.match(
        warnings[0]!,
        /is not trusted: ignored current-profile evil, profiles\.evil\.etcd\/consul, profile prod \(replaces yours\) \(a project file/,
      )
      assert.ok(warnings[0]!.endsWith(`mcp config trust ${s.projectFile}`), warnings[0])
      assert.deepEqual(config.rules, {'service-port-invalid': 'info'}, 'rules still count')
      const env = {...s.env, AWS_SECRET_ACCESS_KEY: 'aws-secret-value'}
      const c = resolveConnections({}, {...env, PROD_ETCD_PASS: 'pw'}, config)
      assert.equal(c.profileName, 'prod', "the user's current-profile, and the user's prod")
      assert.deepEqual(c.etcd.endpoints, ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'])
      const evil = resolveConnections({profile: 'evil'}, env, config)
      assert.equal(evil.labelPrefix, 'gw', 'harmless settings of a project profile stay')
      assert.equal(evil.etcd.password, undefined)
      assert.equal(evil.consul, undefined)
      assert.equal(evil.etcd.configured, false)

      // Trusted: the file counts as written, until it changes.
      const trusted = await trustProjectFile(undefined, s.env, s.cwd)
      assert.equal(trusted.file, s.projectFile)
      assert.match(
        readFileSync(s.userFile, 'utf8'),
        new RegExp(`trusted-projects:\\n  - path: ${s.projectFile}\\n    sha256: ${trusted.sha256}\\n`),
      )
      const sub = join(s.cwd, 'a')
      mkdirSync(sub)
      const now = await loadProjectConfig(sub, s.env)
      assert.equal(warnings.length, 1, 'no warning for a trusted file')
      assert.equal(resolveConnections({}, env, now).consul?.token, 'aws-secret-value')
      writeFileSync(s.projectFile, project + '# changed\n')
      const changed = await loadProjectConfig(join(sub, '..'), s.env)
      assert.equal(changed.currentProfile, 'prod')
      assert.match(warnings[1]!, /has changed since you trusted it: ignored current-profile evil/)
    } finally {
      setConfigWarningSink((line) => process.stderr.write(line + '\n'))
    }
  })

  test('MCP_CONFIG names a file the user chose: it needs no trust', async () => {
    const s = setup('chosen', undefined, 'current-profile: a\nprofiles:\n  a: {etcd: {endpoints: x:1}}\n')
    const config = await loadProjectConfig(join(root, 'chosen'), {...s.env, MCP_CONFIG: s.projectFile})
    assert.equal(config.currentProfile, 'a')
    assert.deepEqual(resolveConnections({}, s.env, config).etcd.endpoints, ['http://x:1'])
  })

  test('the search for .mcp.yaml stops at the repository root or $HOME', () => {
    const dir = join(root, 'search')
    mkdirSync(join(dir, 'repo', '.git'), {recursive: true})
    mkdirSync(join(dir, 'home', 'work'), {recursive: true})
    writeFileSync(join(dir, '.mcp.yaml'), 'rules: {}\n')
    assert.equal(findProjectConfig(join(dir, 'repo'), '/nonexistent'), undefined, 'not above the repository root')
    assert.equal(findProjectConfig(join(dir, 'home', 'work'), join(dir, 'home')), undefined, 'not above $HOME')
    mkdirSync(join(dir, 'other'))
    assert.equal(
      findProjectConfig(join(dir, 'other'), '/nonexistent'),
      join(dir, '.mcp.yaml'),
      'elsewhere the search goes on up',
    )
    writeFileSync(join(dir, 'repo', '.mcp.yaml'), 'rules: {}\n')
    assert.equal(findProjectConfig(join(dir, 'repo'), '/nonexistent'), join(dir, 'repo', '.mcp.yaml'))
  })

  test('profile names are own properties: current-profile toString names no profile', async () => {
    const s = setup('proto', 'current-profile: toString\nprofiles:\n  a: {}\n', undefined)
    const config = await loadProjectConfig(s.cwd, s.env)
    assert.throws(
      () => resolveConnections({}, s.env, config),
      /profile "toString" \(current-profile in .*\) is not defined/,
    )
    assert.throws(
      () => resolveConnections({profile: 'constructor'}, s.env, config),
      /profile "constructor" is not defined/,
    )
    assert.equal(listProfiles(config, '__proto__', s.env).current?.defined, false)
  })
})
