import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import {
  type Address,
  AccountRole,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase64Decoder,
  getCompiledTransactionMessageDecoder,
  getSignatureFromTransaction,
  type Instruction,
  type KeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
} from "@solana/kit"
import { getCreateAccountInstruction } from "@solana-program/system"
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstructionAsync,
  getInitializeMint2Instruction,
  getMintDecoder,
  getMintSize,
  getMintToInstruction,
  getTokenDecoder,
  getTransferCheckedInstruction,
  getTransferInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from "@solana-program/token"
import { FailedTransactionMetadata, LiteSVM } from "litesvm"

/**
 * A local Solana for tests: litesvm (the SVM runtime with the SPL programs) executes real transactions, and a
 * small JSON-RPC server over it answers the methods the scanner calls, with the shapes of the real API
 * (tooling/fixtures/solana). litesvm has no slots of its own: every transaction lands in a new slot, a slot is
 * `finalized` once `FINALITY_DEPTH` slots are on top of it, and a fork is staged by restoring a snapshot and
 * dropping the transactions after it.
 */

export const FINALITY_DEPTH = 32

interface TokenBalanceJson {
  accountIndex: number
  mint: string
  owner: string
  programId: string
  uiTokenAmount: { amount: string; decimals: number; uiAmount: number | null; uiAmountString: string }
}

interface LedgerEntry {
  readonly signature: string
  readonly slot: number
  readonly blockTime: number
  readonly err: unknown
  readonly keys: ReadonlyArray<string>
  /** The `getTransaction` result (encoding "json"), the shape of tooling/fixtures/solana. */
  readonly json: unknown
}

const b58 = getBase58Decoder()
const b64 = getBase64Decoder()

const uiAmountString = (amount: bigint, decimals: number): string => {
  if (decimals === 0) return amount.toString()
  const s = amount.toString().padStart(decimals + 1, "0")
  const frac = s.slice(-decimals).replace(/0+$/, "")
  return frac === "" ? s.slice(0, -decimals) : `${s.slice(0, -decimals)}.${frac}`
}

/** The runtime's error as the RPC renders it (`TransactionError` in JSON). */
const errorJson = (failed: FailedTransactionMetadata): unknown => {
  const e = failed.err() as unknown as { index?: number; err?: () => unknown }
  if (typeof e === "object" && e !== null && typeof e.index === "number" && typeof e.err === "function") {
    const inner = e.err() as { code?: number } | number
    return {
      InstructionError: [
        e.index,
        typeof inner === "object" && inner !== null && "code" in inner
          ? { Custom: inner.code }
          : String(inner),
      ],
    }
  }
  return String(e)
}

export interface Snapshot {
  readonly state: Uint8Array
  readonly entries: number
}

export class SvmLedger {
  svm = new LiteSVM()
  head = 1
  readonly entries: Array<LedgerEntry> = []

  get finalizedSlot(): number {
    return this.head - FINALITY_DEPTH
  }

  advance(n: number): void {
    this.head += n
    this.svm.warpToSlot(BigInt(this.head))
  }

  snapshot(): Snapshot {
    return { state: this.svm.toBytes(), entries: this.entries.length }
  }

  /** A fork: the chain goes on from `s` without the transactions sent after it, `longer` slots further. */
  restore(s: Snapshot, longer: number): void {
    this.svm = LiteSVM.fromBytes(s.state)
    this.entries.splice(s.entries)
    this.advance(longer)
  }

  async signer(sol = 10n): Promise<KeyPairSigner> {
    const s = await generateKeyPairSigner()
    this.svm.airdrop(s.address, lamports(sol * 1_000_000_000n))
    return s
  }

  private tokenBalances(keys: ReadonlyArray<string>): Array<TokenBalanceJson> {
    const out: Array<TokenBalanceJson> = []
    keys.forEach((key, accountIndex) => {
      const account = this.svm.getAccount(key as Address)
      if (!account.exists || account.programAddress !== TOKEN_PROGRAM_ADDRESS || account.data.length !== 165)
        return
      const token = getTokenDecoder().decode(account.data)
      const mintAccount = this.svm.getAccount(token.mint)
      if (!mintAccount.exists) return
      const { decimals } = getMintDecoder().decode(mintAccount.data)
      const s = uiAmountString(token.amount, decimals)
      out.push({
        accountIndex,
        mint: token.mint,
        owner: token.owner,
        programId: TOKEN_PROGRAM_ADDRESS,
        uiTokenAmount: {
          amount: token.amount.toString(),
          decimals,
          uiAmount: Number(s) === 0 ? null : Number(s),
          uiAmountString: s,
        },
      })
    })
    return out
  }

  /** Signs and executes `instructions` paid by `feePayer`, records it in a new slot; resolves to its signature. */
  async send(
    feePayer: KeyPairSigner,
    instructions: ReadonlyArray<Instruction>,
  ): Promise<{ signature: string; failed: boolean }> {
    this.advance(1)
    this.svm.expireBlockhash()
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(feePayer, m),
      (m) => this.svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    )
    const tx = await signTransactionMessageWithSigners(message)
    const signature = getSignatureFromTransaction(tx)
    const compiled = getCompiledTransactionMessageDecoder().decode(tx.messageBytes)
    if (compiled.version !== 0) throw new Error("the stand-in records version-0 transactions")
    const keys = compiled.staticAccounts.map(String)
    const preBalances = keys.map((k) => Number(this.svm.getBalance(k as Address) ?? 0n))
    const preTokenBalances = this.tokenBalances(keys)
    const result = this.svm.sendTransaction(tx)
    const failed = result instanceof FailedTransactionMetadata
    const meta = failed ? result.meta() : result
    const err = failed ? errorJson(result) : null
    const inner = meta.innerInstructions()
    const json = {
      blockTime: Math.floor(Date.now() / 1000),
      meta: {
        computeUnitsConsumed: Number(meta.computeUnitsConsumed()),
        err,
        fee: 5000,
        innerInstructions: inner.flatMap((list, index) =>
          list.length === 0
            ? []
            : [
                {
                  index,
                  instructions: list.map((x) => ({
                    accounts: [...x.instruction().accounts()],
                    data: b58.decode(x.instruction().data()),
                    programIdIndex: x.instruction().programIdIndex(),
                    stackHeight: x.stackHeight(),
                  })),
                },
              ],
        ),
        loadedAddresses: { readonly: [], writable: [] },
        logMessages: meta.logs(),
        postBalances: keys.map((k) => Number(this.svm.getBalance(k as Address) ?? 0n)),
        postTokenBalances: failed ? preTokenBalances : this.tokenBalances(keys),
        preBalances,
        preTokenBalances,
        rewards: [],
        status: err === null ? { Ok: null } : { Err: err },
      },
      slot: this.head,
      transaction: {
        message: {
          accountKeys: keys,
          addressTableLookups: [],
          header: {
            numReadonlySignedAccounts: compiled.header.numReadonlySignerAccounts,
            numReadonlyUnsignedAccounts: compiled.header.numReadonlyNonSignerAccounts,
            numRequiredSignatures: compiled.header.numSignerAccounts,
          },
          instructions: compiled.instructions.map((ix) => ({
            accounts: [...(ix.accountIndices ?? [])],
            data: b58.decode(ix.data ?? new Uint8Array()),
            programIdIndex: ix.programAddressIndex,
            stackHeight: 1,
          })),
          recentBlockhash: compiled.lifetimeToken,
        },
        signatures: [signature],
      },
      version: 0,
    }
    this.entries.push({ signature, slot: this.head, blockTime: json.blockTime, err, keys, json })
    return { signature, failed }
  }

  async createMint(authority: KeyPairSigner, decimals: number): Promise<Address> {
    const mint = await generateKeyPairSigner()
    const space = getMintSize()
    await this.send(authority, [
      getCreateAccountInstruction({
        payer: authority,
        newAccount: mint,
        lamports: this.svm.minimumBalanceForRentExemption(BigInt(space)),
        space,
        programAddress: TOKEN_PROGRAM_ADDRESS,
      }),
      getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: authority.address }),
    ])
    return mint.address
  }

  async ata(owner: Address, mint: Address): Promise<Address> {
    return (await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS }))[0]
  }

  /** Creates `owner`'s associated token account for `mint` (idempotent), paid by `payer`. */
  async openAta(payer: KeyPairSigner, owner: Address, mint: Address): Promise<Address> {
    await this.send(payer, [await getCreateAssociatedTokenIdempotentInstructionAsync({ payer, owner, mint })])
    return this.ata(owner, mint)
  }

  async mintTo(authority: KeyPairSigner, mint: Address, owner: Address, amount: bigint): Promise<Address> {
    const token = await this.openAta(authority, owner, mint)
    await this.send(authority, [getMintToInstruction({ mint, token, mintAuthority: authority, amount })])
    return token
  }

  /**
   * A Solana Pay transfer: `transferChecked` from `from`'s token account to `to`'s, the extra read-only keys
   * (`reference`, …) appended to the instruction as wallets do. `checked: false` sends a plain `transfer`.
   */
  async transfer(input: {
    readonly from: KeyPairSigner
    readonly mint: Address
    readonly decimals: number
    readonly toTokenAccount: Address
    readonly amount: bigint
    readonly extraKeys?: ReadonlyArray<string> | undefined
    readonly checked?: boolean | undefined
  }): Promise<{ signature: string; failed: boolean }> {
    const source = await this.ata(input.from.address, input.mint)
    const ix =
      input.checked === false
        ? getTransferInstruction({
            source,
            destination: input.toTokenAccount,
            authority: input.from,
            amount: input.amount,
          })
        : getTransferCheckedInstruction({
            source,
            mint: input.mint,
            destination: input.toTokenAccount,
            authority: input.from,
            amount: input.amount,
            decimals: input.decimals,
          })
    const extra = (input.extraKeys ?? []).map((address) => ({
      address: address as Address,
      role: AccountRole.READONLY,
    }))
    return this.send(input.from, [{ ...ix, accounts: [...ix.accounts, ...extra] }])
  }

  // ------------------------------------------------------------------------------------------ JSON-RPC

  private confirmationStatus(slot: number): "confirmed" | "finalized" {
    return slot <= this.finalizedSlot ? "finalized" : "confirmed"
  }

  private visible(e: LedgerEntry, commitment: unknown): boolean {
    return commitment !== "finalized" || e.slot <= this.finalizedSlot
  }

  /** Answers one JSON-RPC call like an Agave node; throws `{ code, message }` for an error reply. */
  answer(method: string, params: ReadonlyArray<unknown>): unknown {
    const config = (params[1] ?? {}) as Record<string, unknown>
    switch (method) {
      case "getSlot": {
        const c = (params[0] ?? {}) as Record<string, unknown>
        return c.commitment === "finalized" ? Math.max(0, this.finalizedSlot) : this.head
      }
      case "getLatestBlockhash":
        return {
          context: { apiVersion: "2.2.0", slot: this.head },
          value: { blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: this.head + 150 },
        }
      case "getAccountInfo": {
        const account = this.svm.getAccount(String(params[0]) as Address)
        return {
          context: { apiVersion: "2.2.0", slot: this.head },
          value: account.exists
            ? {
                data: [b64.decode(account.data), "base64"],
                executable: account.executable,
                lamports: Number(account.lamports),
                owner: account.programAddress,
                rentEpoch: Number.MAX_SAFE_INTEGER,
                space: account.data.length,
              }
            : null,
        }
      }
      case "getSignaturesForAddress": {
        const address = String(params[0])
        const limit = Number(config.limit ?? 1000)
        if (!(limit >= 1 && limit <= 1000)) throw { code: -32602, message: "Invalid limit; max 1000" }
        const newestFirst = this.entries
          .filter((e) => e.keys.includes(address) && this.visible(e, config.commitment))
          .reverse()
        let from = 0
        if (typeof config.before === "string") {
          const i = newestFirst.findIndex((e) => e.signature === config.before)
          from = i < 0 ? newestFirst.length : i + 1
        }
        const out = []
        for (const e of newestFirst.slice(from)) {
          if (out.length >= limit || e.signature === config.until) break
          out.push({
            blockTime: e.blockTime,
            confirmationStatus: this.confirmationStatus(e.slot),
            err: e.err,
            memo: null,
            signature: e.signature,
            slot: e.slot,
          })
        }
        return out
      }
      case "getTransaction": {
        if (config.encoding !== "json") throw { code: -32602, message: "this stand-in serves encoding json" }
        const e = this.entries.find((x) => x.signature === params[0])
        return e !== undefined && this.visible(e, config.commitment) ? e.json : null
      }
      case "getSignatureStatuses": {
        const sigs = params[0] as ReadonlyArray<string>
        if (sigs.length > 256) throw { code: -32602, message: "Too many inputs provided; max 256" }
        return {
          context: { apiVersion: "2.2.0", slot: this.head },
          value: sigs.map((s) => {
            const e = this.entries.find((x) => x.signature === s)
            if (e === undefined) return null
            const finalized = e.slot <= this.finalizedSlot
            return {
              confirmationStatus: this.confirmationStatus(e.slot),
              confirmations: finalized ? null : this.head - e.slot,
              err: e.err,
              slot: e.slot,
              status: e.err === null ? { Ok: null } : { Err: e.err },
            }
          }),
        }
      }
      default:
        throw { code: -32601, message: "Method not found" }
    }
  }
}

export interface SvmRpcServer {
  readonly url: string
  /** JSON-RPC calls answered so far, by method. */
  readonly calls: Map<string, number>
  /** HTTP statuses to answer the next requests with instead (e.g. 429, 503), in order. */
  readonly faults: Array<{ status: number; retryAfter?: string }>
  readonly stop: () => Promise<void>
}

/** Serves `ledger` over HTTP JSON-RPC on 127.0.0.1 (single calls and batches). */
export const serveSvmRpc = async (ledger: SvmLedger): Promise<SvmRpcServer> => {
  const calls = new Map<string, number>()
  const faults: SvmRpcServer["faults"] = []
  const reply = (req: unknown) => {
    const r = (req ?? {}) as { id?: unknown; method?: unknown; params?: unknown }
    calls.set(String(r.method), (calls.get(String(r.method)) ?? 0) + 1)
    try {
      const result = ledger.answer(String(r.method), Array.isArray(r.params) ? r.params : [])
      return { jsonrpc: "2.0", result, id: r.id }
    } catch (e) {
      const err = e as { code?: number; message?: string }
      return {
        jsonrpc: "2.0",
        error: { code: err.code ?? -32603, message: err.message ?? String(e) },
        id: r.id,
      }
    }
  }
  const server: Server = createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8")
    })
    req.on("end", () => {
      const fault = faults.shift()
      if (fault !== undefined) {
        res.writeHead(fault.status, fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter })
        res.end("busy")
        return
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null }))
        return
      }
      const out = Array.isArray(parsed) ? parsed.map(reply) : reply(parsed)
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify(out))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    faults,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
