import type {Server} from 'node:http'

/** What a small read-only endpoint answers to one request. */
export interface TextReply {
  status: number
  headers?: Record<string, string>
  body?: string
}

export interface TextServer {
  close(): Promise<void>
}

/**
 * A small HTTP server on `host:port` for read-only text endpoints (the agent's /healthz and
 * /metrics): small requests only, an idle client dropped. Rejects with the listen error.
 */
export async function serveText(
  host: string,
  port: number,
  answer: (method: string, path: string) => TextReply,
): Promise<TextServer> {
  const {createServer} = await import('node:http')
  const server: Server = createServer((req, res) => {
    const reply = answer(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!)
    res.writeHead(reply.status, reply.headers).end(req.method === 'HEAD' ? undefined : reply.body)
  })
  server.headersTimeout = 5000
  server.requestTimeout = 5000
  server.maxHeadersCount = 50
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections() // a scraper's keep-alive connection must not hold the agent's exit
      }),
  }
}
