#!/usr/bin/env node
// `mcp`, `mcp --help` and `mcp --version` are answered from text the build rendered with oclif
// itself (dist/root-help.txt): loading @oclif/core costs more than the whole answer.
const argv = process.argv.slice(2)
// A reader that went away (`mcp … | head`) ends the output quietly, as it does for grep or docker.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}
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

// The bundled oclif that the bundled commands share (scripts/build.mjs).
const {execute} = await import('../dist/cli/oclif-runtime.js')
await execute({dir: import.meta.url})
// Idle keep-alive sockets (Docker, etcd) must not hold the process open once a command is done —
// but what is still queued for a pipe must get out first: a pipe takes 64 KiB at a time, and
// exiting at once cut `mcp discover --json | jq` short.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
process.exit(process.exitCode ?? 0)
