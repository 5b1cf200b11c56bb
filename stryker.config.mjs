// Mutation testing of the pure domain core (docs/mutation.md): `npm run mutation` runs every group,
// `MUTATION_GROUP=trace npm run mutation` one. Each group mutates its modules against its own unit
// tests, with its own incremental file (committed, so CI re-tests only what changed) and HTML report.
const GROUPS = {
  core: {
    mutate: ['src/core/redact.ts', 'src/core/exit-codes.ts'],
    tests: ['test/unit/core/redact.test.ts', 'test/unit/core/exit-codes.test.ts', 'test/unit/core/core.test.ts'],
  },
  model: {
    mutate: ['src/model/merge.ts', 'src/model/address.ts', 'src/model/labels.ts'],
    tests: ['test/unit/model/*.test.ts'],
  },
  judge: {
    mutate: ['src/doctor/address-judge.ts'],
    tests: ['test/unit/doctor/*.test.ts'],
  },
  doctor: {
    mutate: ['src/doctor/checks/*.ts'],
    tests: ['test/unit/doctor/*.test.ts'],
  },
  labels: {
    mutate: ['src/labels/rules/*.ts'],
    tests: ['test/unit/labels/*.test.ts'],
  },
  config: {
    mutate: ['src/config/rules/*.ts'],
    tests: [
      'test/unit/config/rules.test.ts',
      'test/unit/config/bounds.test.ts',
      'test/unit/config/findings-golden.test.ts',
      'test/unit/config/messages.test.ts',
    ],
  },
  trace: {
    mutate: ['src/logs/trace-id.ts'],
    tests: ['test/unit/logs/trace-id*.test.ts', 'test/unit/logs/scanner.test.ts'],
  },
  loadtest: {
    mutate: ['src/loadtest/stats.ts', 'src/loadtest/result.ts'],
    // result.test.ts's wide-tail speed check costs seconds a run and kills nothing these do not.
    tests: [
      'test/unit/loadtest/correction.test.ts',
      'test/unit/loadtest/build-result.test.ts',
      'test/unit/loadtest/stats.test.ts',
    ],
  },
}

const name = process.env.MUTATION_GROUP
const group = GROUPS[name]
if (!group)
  throw new Error(`MUTATION_GROUP must be one of ${Object.keys(GROUPS).join(', ')} (scripts/mutation.sh runs each)`)

export default {
  testRunner: 'tap',
  // The tests run as plain JavaScript, transpiled in the sandbox (scripts/mutation-build.mjs).
  buildCommand: 'node scripts/mutation-build.mjs',
  tap: {
    // The .ts names, so the incremental file can diff their source; scripts/mutation-resolve.mjs runs the .js.
    testFiles: group.tests,
    nodeArgs: [
      '-r',
      '{{hookFile}}',
      '--test-reporter=tap',
      '--import',
      './scripts/mutation-resolve.mjs',
      '{{testFile}}',
    ],
    forceBail: true,
  },
  mutate: group.mutate,
  coverageAnalysis: 'perTest',
  // The machine is shared and has 2 cores; CI may raise it with --concurrency.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 10_000,
  // The bar: a mutation score of at least 80% on every group. Never lowered: equivalent
  // mutants are marked in the code with a `// Stryker disable` comment and a reason instead.
  thresholds: {high: 90, low: 80, break: 80},
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  clearTextReporter: {allowColor: false, logTests: false, reportMutants: false},
  htmlReporter: {fileName: `test-output/mutation/${name}.html`},
  jsonReporter: {fileName: `test-output/mutation/${name}.json`},
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'test-output', 'bench/out', '.mcp-demo', 'reports', '.build', 'node_modules'],
}
