import assert from 'node:assert/strict'
import {createHmac} from 'node:crypto'
import {describe, test} from 'node:test'

import {checkHostKey} from '../../../src/docker/known-hosts.js'

const KEY = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64')
const OTHER = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIBBBqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64')
const line = (hosts: string, key = KEY) => `${hosts} ssh-ed25519 ${key.toString('base64')}`

describe('known_hosts: ssh:// Docker hosts are checked as OpenSSH does (StrictHostKeyChecking=yes)', () => {
  test('a recorded key is known; none recorded is unknown; another recorded key is a change', () => {
    assert.equal(checkHostKey(line('docker1,10.0.0.5'), 'docker1', 22, KEY), 'known')
    assert.equal(checkHostKey(line('docker1'), 'docker2', 22, KEY), 'unknown')
    assert.equal(checkHostKey('', 'docker1', 22, KEY), 'unknown')
    assert.equal(checkHostKey(line('docker1', OTHER), 'docker1', 22, KEY), 'changed')
  })

  test('[host]:port for other ports, patterns, negation, hashed names, @revoked', () => {
    assert.equal(checkHostKey(line('[127.0.0.1]:2222'), '127.0.0.1', 2222, KEY), 'known')
    assert.equal(checkHostKey(line('127.0.0.1'), '127.0.0.1', 2222, KEY), 'unknown', 'port 22 entry is not port 2222')
    assert.equal(checkHostKey(line('*.example.org,!bad.example.org'), 'a.example.org', 22, KEY), 'known')
    assert.equal(checkHostKey(line('*.example.org,!bad.example.org'), 'bad.example.org', 22, KEY), 'unknown')
    const salt = Buffer.from('0123456789abcdef0123')
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[127.0.0.1]:2222').digest('base64')}`
    assert.equal(checkHostKey(line(hashed), '127.0.0.1', 2222, KEY), 'known')
    assert.equal(checkHostKey(`@revoked ${line('*')}\n${line('docker1')}`, 'docker1', 22, KEY), 'revoked')
    assert.equal(checkHostKey(`# comment\n\n@cert-authority ${line('*')}`, 'docker1', 22, KEY), 'unknown')
  })
})
