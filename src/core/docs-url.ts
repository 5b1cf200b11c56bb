/**
 * Where the documentation is read: absolute, because the npm package ships no docs/ and SARIF's
 * helpUri must be an absolute URI. `mcp rules ID` prints a rule's page text without the network.
 */
export const DOCS_URL = 'https://github.com/mcp-gateway/mcp-cli/blob/main/docs/'
