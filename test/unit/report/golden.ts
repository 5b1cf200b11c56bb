import {pathToFileURL} from 'node:url'

/** The fixture whose output in every format is pinned, and where each pinned output lives. */
export const GOLDEN_DIR = 'test/fixtures/labels/golden'
export const GOLDEN_FIXTURE = `${GOLDEN_DIR}/compose.yaml`
const GOLDEN_NAME: Record<string, string> = {
  stylish: 'stylish.txt',
  json: 'json',
  sarif: 'sarif',
  github: 'github.txt',
  junit: 'junit.xml',
  checkstyle: 'checkstyle.xml',
  gitlab: 'gitlab.json',
}
export const goldenPath = (format: string) => `${GOLDEN_DIR}/expected.${GOLDEN_NAME[format]}`

/** SARIF names the working directory (%SRCROOT%): pinned output uses a placeholder. */
export function normalizeOutput(text: string, cwd = process.cwd()): string {
  const uri = pathToFileURL(cwd.endsWith('/') ? cwd : cwd + '/').href
  return text.split(uri).join('file:///SRCROOT/')
}
