import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

// @ts-expect-error: a plain .mjs build script, without types
import {lazyRequires} from '../../../scripts/lazy-require.mjs'

const lazy = lazyRequires as (source: string) => {text: string; count: number}

/** Run CommonJS source with a require that records what was loaded, in order. */
function run(source: string): {exports: Record<string, unknown>; loaded: string[]} {
  const loaded: string[] = []
  const modules: Record<string, unknown> = {
    './a': {value: 'A', f: () => 'fa'},
    './b': {value: 'B'},
    './c': {default: 'C'},
    'node:path': {sep: '/'},
  }
  const require = (id: string) => {
    loaded.push(id)
    return modules[id]
  }

  const exports: Record<string, unknown> = {}
  new Function('exports', 'require', '__importDefault', source)(exports, require, (m: unknown) => m)
  return {exports, loaded}
}

// The shape tsc emits for `import {f} from './a'` and friends.
const TSC_MODULE = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const a_1 = require("./a");
const b_1 = require("./b");
const c_1 = __importDefault(require("./c"));
const node_path_1 = require("node:path");
exports.top = node_path_1.sep;
function useA() { return (0, a_1.f)() + a_1.value; }
exports.useA = useA;
exports.useC = () => c_1.default;
`

describe('scripts/lazy-require.mjs', () => {
  test('requires become getters: a module is loaded when first used, top-level uses at once', () => {
    const {text, count} = lazy(TSC_MODULE)
    assert.equal(count, 4)
    const before = run(TSC_MODULE)
    const after = run(text)
    assert.deepEqual(before.loaded, ['./a', './b', './c', 'node:path'])
    assert.deepEqual(after.loaded, ['node:path'], 'only the top-level use loads at start')
    assert.equal(after.exports.top, '/')
    assert.equal((after.exports.useA as () => string)(), 'faA')
    assert.equal((after.exports.useC as () => string)(), 'C')
    assert.deepEqual(after.loaded, ['node:path', './a', './c'], './b is never used, never loaded')
    ;(after.exports.useA as () => string)()
    assert.equal(after.loaded.filter((m) => m === './a').length, 1, 'loaded once')
  })

  test('a file that assigns or redeclares an import binding is left exactly as it was', () => {
    const source = `const a_1 = require("./a");\nfunction f() { let a_1 = 2; return a_1; }\n`
    assert.deepEqual(lazy(source), {text: source, count: 0})
    const assigned = `var a_1 = require("./a");\na_1 = null;\n`
    assert.deepEqual(lazy(assigned), {text: assigned, count: 0})
  })

  test('member access and property names that merely look alike are not touched', () => {
    const source = `const a_1 = require("./a");\nexports.x = other.a_1 + a_1.value;\n`
    const {text} = lazy(source)
    assert.match(text, /other\.a_1 \+ \(__get_a_1\(\)\)\.value/)
  })
})
