import { rmSync } from "node:fs"
import { createServer, type Server, type Socket } from "node:net"
import type { PGlite } from "@electric-sql/pglite"

/**
 * One turn at a time on PGlite's single session: the owner process's kysely connection and each socket client
 * take it for a whole unit of work (a query, or a transaction), so one party's statements never land inside
 * another's transaction or between another's Parse and Execute.
 */
export class SessionGate {
  private held = false
  private readonly waiting: Array<() => void> = []

  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held = true
        let done = false
        resolve(() => {
          if (done) return
          done = true
          const next = this.waiting.shift()
          if (next !== undefined) next()
          else this.held = false
        })
      }
      if (this.held) this.waiting.push(grant)
      else grant()
    })
  }
}

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const PROTOCOL_3 = 196608
/** A socket client holding the session this long without a word is cut off (its transaction rolled back). */
const IDLE_IN_TURN_MS = 30_000

export interface SessionSocketServer {
  /** The unix socket path clients connect to. */
  readonly path: string
  readonly close: () => Promise<void>
}

/**
 * Serves an open PGlite over a unix socket in the Postgres wire protocol, so other processes (the CLI) act on
 * this process's database while it runs. Each complete message goes to PGlite's protocol entry point; a client
 * keeps the session (see SessionGate) from its first message until a Sync or simple Query leaves no transaction
 * open. Unlike @electric-sql/pglite-socket (whose peer range pins another PGlite version), this gate also covers
 * the owner's own in-process queries.
 */
export const serveSession = async (
  pglite: PGlite,
  gate: SessionGate,
  path: string,
): Promise<SessionSocketServer> => {
  const sockets = new Set<Socket>()
  /** Each closed connection's clean-up (a rollback), awaited before the owner closes PGlite. */
  const endings = new Set<Promise<void>>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    let buffer: Buffer = Buffer.alloc(0)
    let release: (() => void) | null = null
    let idle: NodeJS.Timeout | undefined
    let chain = Promise.resolve()
    let closed = false
    const send = (data: Uint8Array) => {
      if (!closed && data.length > 0) socket.write(data)
    }
    const drain = async () => {
      while (!closed && buffer.length >= 5) {
        const first = buffer.readInt32BE(0)
        const untyped = buffer.length >= 8 && first >= 8 && first < 10_000 && buffer[0] === 0
        let length: number
        let startup = false
        if (untyped) {
          length = first
          if (buffer.length < length) return
          const code = buffer.readInt32BE(4)
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            buffer = buffer.subarray(length)
            send(Buffer.from("N"))
            continue
          }
          if (code === CANCEL_REQUEST) {
            buffer = buffer.subarray(length)
            continue
          }
          if (code !== PROTOCOL_3) {
            socket.destroy()
            return
          }
          startup = true
        } else {
          length = 1 + buffer.readInt32BE(1)
          if (buffer.length < length) return
        }
        const message = Uint8Array.prototype.slice.call(buffer.subarray(0, length))
        buffer = buffer.subarray(length)
        const type = startup ? "" : String.fromCharCode(message[0] ?? 0)
        if (type === "X") {
          socket.end()
          return
        }
        if (release === null) release = await gate.acquire()
        clearTimeout(idle)
        await pglite.execProtocolRawStream(message, { onRawData: send })
        if ((startup || type === "S" || type === "Q") && !pglite.isInTransaction()) {
          release()
          release = null
        } else idle = setTimeout(() => socket.destroy(), IDLE_IN_TURN_MS)
      }
    }
    socket.on("data", (data: Buffer) => {
      buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data])
      chain = chain.then(drain).catch(() => {
        socket.destroy()
      })
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      closed = true
      sockets.delete(socket)
      clearTimeout(idle)
      const ended = chain
        .then(async () => {
          if (release === null) return
          // A client gone mid-transaction (killed CLI): undo its half, then hand the session back.
          try {
            if (pglite.isInTransaction()) await pglite.exec("ROLLBACK")
          } finally {
            release()
            release = null
          }
        })
        .catch(() => {})
      endings.add(ended)
      void ended.then(() => endings.delete(ended))
    })
  })
  rmSync(path, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(path, () => {
      server.off("error", reject)
      resolve()
    })
  })
  return {
    path,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      rmSync(path, { force: true })
      await closed
      await Promise.all(endings)
    },
  }
}
