/**
 * Where a rule or finding code is explained: the docs/ folder shipped in the package (package.json
 * "files"), as an absolute file: URL, since SARIF's helpUri must be an absolute URI and the project
 * has no public documentation host to name. Same relative place from src/core/ and dist/<dir>/.
 */
const DOCS_DIR = new URL('../../docs/', import.meta.url)

/** The absolute URL of `page` (e.g. 'rules.md') in the shipped docs, with `anchor` as its fragment. */
export function docsUrl(page: string, anchor?: string): string {
  const url = new URL(page, DOCS_DIR)
  if (anchor) url.hash = anchor
  return url.href
}
