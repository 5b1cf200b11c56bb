import http from 'node:http'
import {type AddressInfo, createServer, type Server, type Socket} from 'node:net'

/** A test HTTP server on 127.0.0.1 (an ephemeral port), closed with close(). */
export interface TestServer {
  url: string
  port: number
  /** Requests answered so far. */
  count(): number
  close(): Promise<void>
}

function start(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  let answered = 0
  const server = http.createServer((req, res) => {
    answered++
    handler(req, res)
  })
  server.keepAliveTimeout = 60_000
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/`,
        port,
        count: () => answered,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

/** Answers "ok" at once. */
export function startFastServer(): Promise<TestServer> {
  return start((_req, res) => {
    res.writeHead(200, {'content-type': 'text/plain'})
    res.end('ok')
  })
}

/** Answers every request after a fixed delay. */
export function startDelayServer(delayMs: number): Promise<TestServer> {
  return start((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, {'content-type': 'text/plain'})
      res.end('ok')
    }, delayMs)
  })
}

/**
 * Stalls for `stallMs` once every `periodMs` (a GC pause, a lock): a request arriving in the first
 * stallMs of each period is answered when the stall ends; others at once.
 */
export function startStallServer(stallMs = 300, periodMs = 1000): Promise<TestServer> {
  const t0 = Date.now()
  return start((_req, res) => {
    const phase = (Date.now() - t0) % periodMs
    const answer = (): void => {
      res.writeHead(200, {'content-type': 'text/plain'})
      res.end('ok')
    }

    if (phase < stallMs) setTimeout(answer, stallMs - phase)
    else answer()
  })
}

/** Answers with the given status code. */
export function startStatusServer(status: number): Promise<TestServer> {
  return start((_req, res) => {
    res.writeHead(status, {'content-type': 'text/plain'})
    res.end('status')
  })
}

/**
 * A raw TCP server on 127.0.0.1 (an ephemeral port) for protocol faults: a peer that never
 * answers, answers in the wrong protocol, or hangs up. Its port; the server joins `servers`, for
 * the caller to close.
 */
export async function startRawServer(onConnection: (socket: Socket) => void, servers: Server[]): Promise<number> {
  const server = createServer(onConnection)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}
