/** A minimal JSON-RPC client with batching (one HTTP request for many calls). */
export interface JsonRpc {
  readonly call: <T = unknown>(method: string, params?: ReadonlyArray<unknown>) => Promise<T>
  /** One HTTP request; results in call order. A failed entry throws. */
  readonly batch: <T = unknown>(
    calls: ReadonlyArray<{ readonly method: string; readonly params: ReadonlyArray<unknown> }>,
  ) => Promise<ReadonlyArray<T>>
  /** HTTP requests made so far (tests assert batching). */
  readonly requests: () => number
}

export class RpcError extends Error {
  override readonly name = "RpcError"
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message)
  }
}

interface Reply {
  readonly id: number
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string }
}

export const makeJsonRpc = (url: string, headers: Readonly<Record<string, string>> = {}): JsonRpc => {
  let nextId = 1
  let requests = 0
  const post = async (body: unknown): Promise<unknown> => {
    requests++
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new RpcError(`HTTP ${res.status} from ${new URL(url).host}`, null)
    return res.json()
  }
  const unwrap = (r: Reply, method: string) => {
    if (r.error) throw new RpcError(`${method}: ${r.error.message}`, r.error.code)
    return r.result
  }
  return {
    call: async <T>(method: string, params: ReadonlyArray<unknown> = []) => {
      const id = nextId++
      const r = (await post({ jsonrpc: "2.0", id, method, params })) as Reply
      return unwrap(r, method) as T
    },
    batch: async <T>(calls: ReadonlyArray<{ method: string; params: ReadonlyArray<unknown> }>) => {
      if (calls.length === 0) return []
      const first = nextId
      nextId += calls.length
      const replies = (await post(
        calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params })),
      )) as ReadonlyArray<Reply>
      if (!Array.isArray(replies)) throw new RpcError("the node does not answer JSON-RPC batches", null)
      const byId = new Map(replies.map((r) => [r.id, r]))
      return calls.map((c, i) => {
        const r = byId.get(first + i)
        if (r === undefined) throw new RpcError(`${c.method}: no reply in the batch`, null)
        return unwrap(r, c.method) as T
      })
    },
    requests: () => requests,
  }
}
