#!/usr/bin/env node
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
// Idle keep-alive sockets (Docker, etcd) must not hold the process open once a command is done.
process.exit(process.exitCode ?? 0)
