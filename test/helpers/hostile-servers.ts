/**
 * Small hostile servers on 127.0.0.1 (or a unix socket) for test/reliability/hostile.test.ts: a
 * fake etcd speaking HTTP/2 frames by hand (h2c, or TLS with ALPN h2), and a fake HTTP/1.1 server
 * standing in for the Docker Engine API and Consul. Each answers in one bad way. Every loop that
 * writes stops when the peer's socket closes or after LOOP_MS, whichever comes first, and writes
 * only as fast as the socket drains.
 */
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {type AddressInfo, createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {createServer as createTlsServer} from 'node:tls'

/** No hostile writer runs longer than this (a test's command ends long before). */
const LOOP_MS = 20_000

/** Write and wait until the socket takes more; false once the peer is gone or time is up. */
async function put(socket: Socket, bytes: Buffer, until: number): Promise<boolean> {
  if (socket.destroyed || Date.now() > until) return false
  if (!socket.write(bytes)) {
    // The listeners and the timer go once one fires: a writer blocked a thousand times must not
    // leave a thousand 'close' listeners on its socket (Node warned at eleven).
    let wake = () => {}
    const woken = new Promise<void>((resolve) => (wake = resolve))
    const timer = setTimeout(wake, Math.max(0, until - Date.now()))
    socket.once('drain', wake)
    socket.once('close', wake)
    await woken
    clearTimeout(timer)
    socket.off('drain', wake)
    socket.off('close', wake)
  }

  return !socket.destroyed && Date.now() <= until
}

export interface Listening {
  /** host:port, or the socket path. */
  address: string
  port: number
  close(): void
}

function track(server: Server, listenOn: {path?: string}): Promise<Listening> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
  })
  server.on('secureConnection', (s: Socket) => s.on('error', () => undefined))
  server.on('tlsClientError', () => undefined)
  return new Promise((resolve) => {
    const done = () => {
      const port = listenOn.path ? 0 : (server.address() as AddressInfo).port
      resolve({
        address: listenOn.path ?? `127.0.0.1:${port}`,
        port,
        close() {
          for (const s of sockets) s.destroy()
          server.close()
          if (listenOn.path) rmSync(listenOn.path, {force: true})
        },
      })
    }

    if (listenOn.path) server.listen(listenOn.path, done)
    else server.listen(0, '127.0.0.1', done)
  })
}

// --- HTTP/2 by hand ------------------------------------------------------------------------------

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
const DATA = 0
const HEADERS = 1
const SETTINGS = 4
const PING = 6
const GOAWAY = 7
const CONTINUATION = 9

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9)
  header.writeUIntBE(payload.length, 0, 3)
  header[3] = type
  header[4] = flags
  header.writeUInt32BE(stream, 5)
  return Buffer.concat([header, payload])
}

/** HPACK literal header fields without indexing, new names (RFC 7541 §6.2.2); short strings only. */
function hpack(fields: [string, string][]): Buffer {
  return Buffer.concat(
    fields.map(([n, v]) =>
      Buffer.concat([Buffer.from([0x00, n.length]), Buffer.from(n), Buffer.from([v.length]), Buffer.from(v)]),
    ),
  )
}

const STATUS_200 = Buffer.from([0x88]) // :status 200 from the static table

function grpcMessage(payload: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}

/** A whole gRPC answer on one stream: headers, the message, trailers with grpc-status 0. */
function grpcAnswer(stream: number, payload: Buffer): Buffer {
  return Buffer.concat([
    frame(HEADERS, 0x4, stream, Buffer.concat([STATUS_200, hpack([['content-type', 'application/grpc']])])),
    frame(DATA, 0, stream, grpcMessage(payload)),
    frame(HEADERS, 0x5, stream, hpack([['grpc-status', '0']])),
  ])
}

export type EtcdMode =
  | 'nan-varint'
  | 'length-past-end'
  | 'wrong-wire-type'
  | 'endless-data'
  | 'trickle'
  | 'continuation-flood'
  | 'ping-flood'
  | 'garbage'
  | 'early-close'
  | 'http1'
  | 'goaway'

/** The NaN varint from issue 18: field 1, then 148 bytes of 0x80, then 0x00. */
export const NAN_VARINT = Buffer.concat([Buffer.from([0x0a]), Buffer.alloc(148, 0x80), Buffer.from([0x00])])

/** Read the client's preface and frames; call onRequest once for the first HEADERS (its stream). */
function h2Reader(socket: Socket, onRequest: (stream: number) => void): void {
  let buf = Buffer.alloc(0)
  let prefaceSeen = false
  let asked = false
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    if (!prefaceSeen) {
      if (buf.length < PREFACE.length) return
      prefaceSeen = true
      buf = buf.subarray(PREFACE.length)
    }

    while (buf.length >= 9) {
      const length = buf.readUIntBE(0, 3)
      if (buf.length < 9 + length) return
      const type = buf[3]!
      const flags = buf[4]!
      const stream = buf.readUInt32BE(5) & 0x7f_ff_ff_ff
      buf = buf.subarray(9 + length)
      if (type === SETTINGS && !(flags & 1)) socket.write(frame(SETTINGS, 1, 0))
      if (type === HEADERS && !asked) {
        asked = true
        onRequest(stream)
      }
    }
  })
}

async function etcdConnection(socket: Socket, mode: EtcdMode): Promise<void> {
  const until = Date.now() + LOOP_MS
  socket.on('error', () => undefined)
  if (mode === 'garbage') {
    while (await put(socket, randomBytes(16 * 1024), until)) await sleep(5)
    return
  }

  if (mode === 'http1') {
    socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request')
    return
  }

  if (mode === 'ping-flood') {
    // Never read what the client sends (its PING acks pile up on its side), flood it with PINGs.
    socket.pause()
    await put(socket, frame(SETTINGS, 0, 0), until)
    const pings = Buffer.concat(Array.from({length: 512}, (_, i) => frame(PING, 0, 0, Buffer.alloc(8, i & 0xff))))
    while (await put(socket, pings, until)) await sleep(0)
    return
  }

  socket.write(frame(SETTINGS, 0, 0))
  h2Reader(socket, (stream) => {
    void (async () => {
      switch (mode) {
        case 'nan-varint': {
          return socket.write(grpcAnswer(stream, NAN_VARINT))
        }

        case 'length-past-end': {
          return socket.write(grpcAnswer(stream, Buffer.from([0x12, 0x7f, 0x0a, 0x01, 0x41])))
        }

        case 'wrong-wire-type': {
          return socket.write(grpcAnswer(stream, Buffer.from([0x12, 0x02, 0x0d, 0x00])))
        }

        case 'early-close': {
          return socket.destroy()
        }

        case 'goaway': {
          const payload = Buffer.concat([Buffer.alloc(8), Buffer.from('maintenance: node draining\u001B[31m')])
          payload.writeUInt32BE(0, 0)
          payload.writeUInt32BE(11, 4) // ENHANCE_YOUR_CALM
          return socket.write(frame(GOAWAY, 0, 0, payload))
        }

        case 'trickle': {
          const answer = grpcAnswer(stream, Buffer.from([0x0a, 0x02, 0x18, 0x05]))
          for (let i = 0; i < answer.length; i++) {
            if (!(await put(socket, answer.subarray(i, i + 1), until))) return
            await sleep(1000)
          }

          return
        }

        case 'endless-data': {
          // A gRPC message announcing 2 GiB, then DATA frames of 16 KiB for as long as the client reads.
          socket.write(
            frame(HEADERS, 0x4, stream, Buffer.concat([STATUS_200, hpack([['content-type', 'application/grpc']])])),
          )
          const head = Buffer.from([0, 0x7f, 0xff, 0xff, 0xff])
          await put(socket, frame(DATA, 0, stream, head), until)
          const data = Buffer.concat(
            Array.from({length: 16}, () => frame(DATA, 0, stream, Buffer.alloc(16 * 1024, 0x41))),
          )
          while (await put(socket, data, until));
          return
        }

        case 'continuation-flood': {
          // A header block that never ends: HEADERS without END_HEADERS, then CONTINUATION frames.
          await put(socket, frame(HEADERS, 0, stream, STATUS_200), until)
          const field = hpack([['x-flood', 'a'.repeat(100)]])
          const piece = Buffer.concat(
            Array.from({length: 16}, () =>
              frame(CONTINUATION, 0, stream, Buffer.concat(Array.from({length: 100}, () => field))),
            ),
          )
          while (await put(socket, piece, until));
        }
      }
    })()
  })
}

/** A fake etcd client URL speaking HTTP/2 in one bad way: h2c, or TLS with `tls` (cert for 127.0.0.1). */
export function startFakeEtcd(mode: EtcdMode, tls?: TestCert): Promise<Listening> {
  const onSocket = (s: Socket) => void etcdConnection(s, mode)
  const server = tls
    ? createTlsServer({key: tls.key, cert: tls.cert, ALPNProtocols: ['h2']}, onSocket)
    : createServer(onSocket)
  return track(server, {})
}

// --- HTTP/1.1 by hand (Docker Engine API, Consul, etcd /health) ----------------------------------

export type Http1Mode =
  | 'endless-chunked'
  | 'endless-close'
  | 'huge-length'
  | 'trickle'
  | 'header-flood'
  | 'garbage'
  | 'early-close'
  | 'log-frame-4g'
  | 'endless-logs'

const JSON_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'

/** What a fake Engine API answers to inspect, for the log cases. */
const INSPECT = JSON.stringify({Id: 'c0ffee', Name: '/hostile', Config: {Tty: false, Labels: {}}})

async function http1Connection(socket: Socket, mode: Http1Mode): Promise<void> {
  const until = Date.now() + LOOP_MS
  socket.on('error', () => undefined)
  let request = ''
  const head = await new Promise<string | undefined>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      request += chunk.toString('latin1')
      if (request.includes('\r\n\r\n')) resolve(request)
    })
    socket.on('close', () => resolve(undefined))
  })
  if (head === undefined) return
  const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '/'
  switch (mode) {
    case 'early-close': {
      return void socket.destroy()
    }

    case 'garbage': {
      while (await put(socket, randomBytes(16 * 1024), until)) await sleep(5)
      return
    }

    case 'trickle': {
      const answer = Buffer.from(`${JSON_HEAD}Content-Length: 2\r\n\r\n[]`)
      for (let i = 0; i < answer.length; i++) {
        if (!(await put(socket, answer.subarray(i, i + 1), until))) return
        await sleep(1000)
      }

      return
    }

    case 'header-flood': {
      await put(socket, Buffer.from('HTTP/1.1 200 OK\r\n'), until)
      const lines = Buffer.from('X-Flood: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(256))
      while (await put(socket, lines, until));
      return
    }

    case 'endless-chunked': {
      await put(socket, Buffer.from(`${JSON_HEAD}Transfer-Encoding: chunked\r\n\r\n1\r\n[\r\n`), until)
      const body = Buffer.from('{"Id":"x","Names":["/x"],"Labels":{}},'.repeat(1700))
      const chunk = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')])
      while (await put(socket, chunk, until));
      return
    }

    case 'endless-close':
    case 'huge-length': {
      const length = mode === 'huge-length' ? 'Content-Length: 100000000000\r\n' : 'Connection: close\r\n'
      await put(socket, Buffer.from(`${JSON_HEAD}${length}\r\n[`), until)
      const body = Buffer.from('{"Id":"x","Names":["/x"],"Labels":{}},'.repeat(1700))
      while (await put(socket, body, until));
      return
    }

    case 'log-frame-4g':
    case 'endless-logs': {
      if (!path.includes('/logs')) {
        // Inspect (and a list by label): a container that exists.
        const body = path.startsWith('/containers/json') ? `[{"Id":"c0ffee"}]` : INSPECT
        return void socket.end(
          `${JSON_HEAD}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        )
      }

      await put(
        socket,
        Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n'),
        until,
      )
      if (mode === 'log-frame-4g') {
        await put(socket, Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), until)
        const bytes = Buffer.alloc(64 * 1024, 0x41)
        while (await put(socket, bytes, until));
        return
      }

      // Valid frames of log lines without the id, as fast as the client reads.
      const line = Buffer.from('2026-12-04T00:00:00.000000000Z GET /health 200 nothing to see here\n')
      const one = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, line.length]), line])
      const many = Buffer.concat(Array.from({length: 512}, () => one))
      while (await put(socket, many, until));
    }
  }
}

/** A fake HTTP/1.1 server (Engine API, Consul, etcd /health) in one bad way, on tcp or a unix socket. */
export function startFakeHttp1(mode: Http1Mode, on: {path?: string} = {}): Promise<Listening> {
  return track(
    createServer((s) => void http1Connection(s, mode)),
    on,
  )
}

// --- TLS material --------------------------------------------------------------------------------

export interface TestCert {
  key: Buffer
  cert: Buffer
  certFile: string
  cleanup(): void
}

/** A self-signed certificate for 127.0.0.1 (openssl), for the TLS fakes; the CA is itself. */
export function makeTestCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-hostile-tls-'))
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    {stdio: 'ignore'},
  )
  return {
    key: readFileSync(keyFile),
    cert: readFileSync(certFile),
    certFile,
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  }
}
