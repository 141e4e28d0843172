/**
 * `inzi sweep plan | sweep run | indices export` end to end: the real binary (spawned), real PostgreSQL (a
 * schema of its own), the real devnet. Payments are recorded in the store as the watcher would; the
 * merchant's seed is the BIP-39 test vector (not the devnet's funded accounts), piped on stdin.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { dropSchema, makeDatabase, makeStores, migrate } from "@inzi/adapter-postgres"
import { EVM_PRESETS } from "@inzi/adapter-evm"
import { balanceOf, type Devnet, payTo, startDevnet } from "@inzi/devnet"
import { Effect } from "effect"
import { HDNodeWallet, Mnemonic, Wallet } from "ethers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../src/main.js"

const main = join(__dirname, "..", "src", "main.ts")
const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
const m = Mnemonic.fromPhrase(MNEMONIC)
const evmAt = (i: number) => HDNodeWallet.fromMnemonic(m, `m/44'/60'/0'/0/${i}`).address.toLowerCase()
const DATABASE_URL = process.env.INZI_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const schema = `sweep_cli_${process.pid}`
const dataDir = mkdtempSync(join(tmpdir(), "inzi-sweep-cli-"))
const USDT = EVM_PRESETS.devnet.tokens[0]!
const networksFile = join(dataDir, "networks.json")
writeFileSync(networksFile, JSON.stringify({ networks: [{ preset: "ton" }] }))

let devnet: Devnet
const env = () => ({
  DATABASE_URL,
  INZI_DB_SCHEMA: schema,
  INZI_DATA_DIR: dataDir,
  INZI_DEVNET_RPC_URL: devnet.rpcUrl,
  INZI_NETWORKS: networksFile,
  LOG_LEVEL: "warn",
})

/** In-process (what the binary calls), stdout captured. */
const inziHere = async (args: string[]) => {
  Object.assign(process.env, env())
  let out = ""
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    return { code: await runCli(args), out }
  } finally {
    process.stdout.write = write
  }
}

/** The real binary, with stdin (the only way secrets get in). */
const inzi = (args: string[], stdin?: string) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@inzi/source", main, ...args], {
      env: { ...process.env, ...env() },
      stdio: ["pipe", "pipe", "pipe"],
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (c) => (out += c))
    child.stderr.on("data", (c) => (err += c))
    child.on("close", (code) => resolve({ code, out, err }))
    child.stdin.end(stdin ?? "")
  })

describe("inzi sweep (CLI, real Postgres + devnet)", () => {
  const merchantId = "mer_sweepcli0000000000000000"
  const treasury = Wallet.createRandom().address
  let database: Awaited<ReturnType<typeof makeDatabase>>
  let recordPaid: (i: number, amount: bigint) => Promise<void>

  beforeAll(async () => {
    devnet = await startDevnet()
    database = await makeDatabase({ databaseUrl: DATABASE_URL, schema })
    await migrate(database.db)
    const stores = makeStores(database.db)
    const xpub = (coin: number) => HDNodeWallet.fromMnemonic(m, `m/44'/${coin}'/0'`).neuter().extendedKey
    await Effect.runPromise(
      stores.merchants.createMerchant({
        id: merchantId,
        name: "CLI sweep",
        webhookUrl: null,
        webhookSecret: "whsec_x",
        payoutKeys: { evm: xpub(60), tron: xpub(195) },
        networks: { live: [], test: ["devnet"] },
      }),
    )
    const now = Date.now()
    for (const [n, i] of [3, 4, 8].entries()) {
      await Effect.runPromise(
        stores.checkouts.createCheckout(
          {
            id: `chk_test_${`cli${i}`.padEnd(24, "0")}`,
            merchantId,
            mode: "test",
            amountCents: 1000n,
            description: null,
            metadataJson: null,
            customerEmail: null,
            redirectUrl: null,
            webhookUrl: null,
            networks: ["devnet"],
            targets: {
              derivationIndex: BigInt(i),
              entries: [
                { family: "evm", address: evmAt(i), memo: null, lookup: evmAt(i).toLowerCase() },
                { family: "ton", address: null, memo: `CLI${i}`, lookup: `${merchantId}:CLI${i}` },
              ],
            },
            expiresAt: new Date(now + 3_600_000),
            createdAt: new Date(now + n),
          },
          null,
        ),
      )
    }
    recordPaid = async (i: number, amount: bigint) => {
      const r = await payTo({ rpcUrl: devnet.rpcUrl, token: USDT.contract, to: evmAt(i), amount })
      await Effect.runPromise(
        stores.checkouts.applyChainEvents({
          network: "devnet",
          mode: "test",
          requiredConfirmations: 1,
          cursor: null,
          now: new Date(),
          events: [
            {
              _tag: "PaymentObserved",
              network: "devnet",
              txHash: r.txHash,
              logIndex: 0,
              target: { kind: "address", address: evmAt(i) },
              token: "USDT",
              tokenContract: USDT.contract,
              decimals: 6,
              amount,
              sender: null,
              blockNumber: r.blockNumber,
              blockHash: r.blockHash,
              confirmations: 5,
              observedAt: new Date(),
            },
          ],
        }),
      )
    }
    await recordPaid(3, 5_000_000n)
    await recordPaid(8, 6_000_000n)
  }, 120_000)

  afterAll(async () => {
    if (database) {
      await dropSchema(database.db, schema).catch(() => undefined)
      await database.close()
    }
    await devnet?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("indices export lists every allocated index and the gap limit wallets need", async () => {
    const r = await inziHere(["indices", "export", "--merchant", merchantId, "--json"])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.out)
    expect(out.evm.indices.map((u: { index: string; paid: boolean }) => [u.index, u.paid])).toEqual([
      ["3", true],
      ["4", false],
      ["8", true],
    ])
    expect(out.evm.gap_limit).toBe("9")
  })

  it("sweep plan prints the paid addresses, balances from the chain, gas and treasury", async () => {
    const r = await inziHere(["sweep", "plan", "--merchant", merchantId, "--treasury", treasury, "--json"])
    expect(r.code).toBe(0)
    const [plan] = JSON.parse(r.out)
    expect(plan.network).toBe("devnet")
    expect(plan.treasury).toBe(treasury)
    expect(plan.addresses.map((a: { derivationIndex: string }) => a.derivationIndex)).toEqual(["3", "8"])
    expect(plan.totals).toEqual({ USDT: "11000000" })
    expect(BigInt(plan.gasNeeded)).toBeGreaterThan(0n)
    const text = await inziHere(["sweep", "plan", "--merchant", merchantId])
    expect(text.out).toContain("treasury (not set: pass --treasury)")
    expect(text.out).toContain("#3")
  })

  it("TON needs no sweep", async () => {
    const r = await inziHere(["sweep", "plan", "--merchant", merchantId, "--network", "ton"])
    expect(r.code).toBe(0)
    expect(r.out).toContain("TON needs no sweep")
    await expect(
      inziHere(["sweep", "run", "--merchant", merchantId, "--network", "ton", "--treasury", treasury]),
    ).rejects.toThrow(/TON needs no sweep/)
  })

  it("sweep run is a dry run by default and sends nothing", async () => {
    const r = await inziHere([
      "sweep",
      "run",
      "--merchant",
      merchantId,
      "--network",
      "devnet",
      "--treasury",
      treasury,
    ])
    expect(r.code).toBe(0)
    expect(r.out).toContain("dry run")
    expect(r.out).toContain("#3")
    const one = await inziHere([
      "sweep",
      "run",
      "--merchant",
      merchantId,
      "--network",
      "devnet",
      "--treasury",
      treasury,
      "--indices",
      "8",
      "--json",
    ])
    const dry = JSON.parse(one.out)
    expect(dry.dry_run).toBe(true)
    expect(dry.plan[0].addresses.map((a: { derivationIndex: string }) => a.derivationIndex)).toEqual(["8"])
    expect(await balanceOf({ rpcUrl: devnet.rpcUrl, token: USDT.contract, owner: treasury })).toBe(0n)
  })

  it("--execute refuses a terminal on stdin (no prompt that hides input)", { timeout: 90_000 }, async () => {
    const cmd = [process.execPath, "--import", "tsx", "--conditions=@inzi/source", main, "sweep", "run"]
      .concat(["--merchant", merchantId, "--network", "devnet", "--treasury", treasury, "--execute"])
      .map((a) => `'${a}'`)
      .join(" ")
    // `script` runs the CLI on a pseudo-terminal.
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("script", ["-qec", cmd, "/dev/null"], {
        env: { ...process.env, ...env() },
        stdio: ["pipe", "pipe", "pipe"],
      })
      let out = ""
      child.stdout.on("data", (c) => (out += c))
      child.on("close", (code) => resolve({ code, out }))
    })
    expect(r.out).toContain("a terminal is refused")
    expect(r.code).toBe(2)
  })

  it("refuses a wrong mnemonic without echoing it, and sends nothing", async () => {
    const wrong = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    const args = ["sweep", "run", "--merchant", merchantId, "--network", "devnet", "--treasury", treasury]
    const r = await inzi([...args, "--execute", "--gas-account", "devnet:2"], `${wrong}\n`)
    expect(r.code).toBe(1)
    expect(r.err).toContain("wrong mnemonic")
    expect(r.err + r.out).not.toContain("legal winner")
    expect(await balanceOf({ rpcUrl: devnet.rpcUrl, token: USDT.contract, owner: treasury })).toBe(0n)
  })

  it("sweep run --execute with the mnemonic on stdin moves everything; a second run is a no-op", {
    timeout: 120_000,
  }, async () => {
    const args = ["sweep", "run", "--merchant", merchantId, "--network", "devnet", "--treasury", treasury]
    const r = await inzi(
      [...args, "--execute", "--gas-account", "devnet:2", "--confirmations", "1", "--json"],
      `${MNEMONIC}\n`,
    )
    expect(r.code, r.err).toBe(0)
    const report = JSON.parse(r.out)
    expect(report.moved.map((x: { amount: string }) => x.amount)).toEqual(["5000000", "6000000"])
    expect(await balanceOf({ rpcUrl: devnet.rpcUrl, token: USDT.contract, owner: treasury })).toBe(
      11_000_000n,
    )
    const journal = readFileSync(join(dataDir, "sweep-journal.jsonl"), "utf8")
    expect(journal).not.toContain("abandon")
    const again = await inzi(
      [...args, "--execute", "--gas-account", "devnet:2", "--confirmations", "1"],
      `${MNEMONIC}\n`,
    )
    expect(again.code, again.err).toBe(0)
    expect(again.out).toContain("nothing to move")
    expect(readFileSync(join(dataDir, "sweep-journal.jsonl"), "utf8")).toBe(journal)
  })

  it("kill -9 while waiting for the first transfer's confirmation; the re-run finishes without double-sending", {
    timeout: 180_000,
  }, async () => {
    await recordPaid(3, 1_000_000n)
    await recordPaid(8, 2_000_000n)
    const journalPath = join(dataDir, "sweep-journal.jsonl")
    const journalLines = () =>
      existsSync(journalPath) ? readFileSync(journalPath, "utf8").split("\n").filter(Boolean) : []
    const linesBefore = journalLines().length
    const nonces = async () =>
      Promise.all(
        [3, 8].map(async (i) =>
          Number(BigInt((await devnet.request("eth_getTransactionCount", [evmAt(i), "latest"])) as string)),
        ),
      )
    const noncesBefore = await nonces()
    await devnet.setAutomine(false) // nothing is mined unless the test says so
    const args = [
      "sweep",
      "run",
      "--merchant",
      merchantId,
      "--network",
      "devnet",
      "--treasury",
      treasury,
      "--execute",
    ]
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--conditions=@inzi/source",
        main,
        ...args,
        "--gas-account",
        "devnet:2",
        "--confirmations",
        "1",
      ],
      { env: { ...process.env, ...env() }, stdio: ["pipe", "ignore", "pipe"] },
    )
    let childErr = ""
    child.stderr.on("data", (c) => (childErr += c))
    child.stdin.end(`${MNEMONIC}\n`)
    const exited = new Promise((r) => child.on("exit", r))
    const deadline = Date.now() + 120_000
    let killedAt: { txHash: string } | undefined
    while (killedAt === undefined) {
      if (Date.now() > deadline) throw new Error(`the sweep never journaled a transfer: ${childErr}`)
      const fresh = journalLines().slice(linesBefore)
      const intents = fresh.map((l) => JSON.parse(l)).filter((e) => e.kind === "intent")
      const transfer = intents.find((e) => e.role === "transfer")
      if (transfer !== undefined) {
        child.kill("SIGKILL")
        killedAt = transfer
      } else if (intents.length > 0) {
        // A top-up waits for its block (its intent is journaled before it is broadcast: mine until it is in).
        const last = intents[intents.length - 1]
        if ((await devnet.request("eth_getTransactionReceipt", [last.txHash])) === null) await devnet.mine(1)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    await exited
    await devnet.setAutomine(true)
    await devnet.mine(1) // whatever reached the pool before the kill gets its block now
    const r = await inzi(
      [...args, "--gas-account", "devnet:2", "--confirmations", "1", "--json"],
      `${MNEMONIC}\n`,
    )
    expect(r.code, r.err).toBe(0)
    const report = JSON.parse(r.out)
    expect(report.resumed).toEqual([{ txHash: killedAt.txHash, status: "confirmed" }])
    expect(report.moved.map((x: { amount: string }) => x.amount)).toEqual(["2000000"])
    expect(await balanceOf({ rpcUrl: devnet.rpcUrl, token: USDT.contract, owner: treasury })).toBe(
      14_000_000n,
    )
    // Exactly one transfer from each deposit address.
    expect(await nonces()).toEqual(noncesBefore.map((n) => n + 1))
  })
})
