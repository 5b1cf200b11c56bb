#!/usr/bin/env node
// `mcp`, `mcp --help` and `mcp --version` are answered from text the build rendered with oclif
// itself (dist/root-help.txt): loading @oclif/core costs more than the whole answer.
const argv = process.argv.slice(2)
if (!process.env.MCP_NO_FASTPATH && (argv.length === 0 || (argv.length === 1 && ['--help', '-h', 'help', '--version', 'version'].includes(argv[0])))) {
  const {readFileSync} = await import('node:fs')
  const file = new URL(argv[0]?.includes('version') ? '../dist/version.txt' : '../dist/root-help.txt', import.meta.url)
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // Not built with the fast path: fall through to oclif.
  }
  if (text !== undefined) {
    process.stdout.write(text.replace("{{runtime}}", `${process.platform}-${process.arch} node-${process.version}`))
    process.exit(0)
  }
}

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
// Idle keep-alive sockets (Docker, etcd) must not hold the process open once a command is done.
process.exit(process.exitCode ?? 0)
