/**
 * The console in Chromium: sign in, the overview's chart (uPlot under the strict CSP), a checkout's detail and
 * "resend", assigning an unmatched payment through the confirmation step; axe-core on every screen.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { EVM_PRESETS } from "@inzi/adapter-evm"
import { recordWatcherStatus } from "@inzi/adapter-postgres"
import { type ChainEvent, CheckoutStore, Outbox } from "@inzi/core"
import { Effect } from "effect"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiServer, http, startApiServer } from "../api/harness.js"
import { ARTIFACTS, launchBrowser } from "../page/harness.js"
import { createOperator, PASSWORD } from "./harness.js"

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

let browser: Browser
let server: ApiServer
let merchantId: string
let checkout: { id: string; address: string }
let second: { id: string; address: string }
let tx = 0

const observed = (address: string, units: bigint): ChainEvent => ({
  _tag: "PaymentObserved",
  network: "devnet",
  txHash: `0x${(++tx).toString(16).padStart(64, "d")}`,
  logIndex: 0,
  target: { kind: "address", address },
  token: "USDT",
  tokenContract: EVM_PRESETS.devnet.tokens[0].contract,
  decimals: 6,
  amount: units,
  sender: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  blockNumber: 200n + BigInt(tx),
  blockHash: `0x${"b".repeat(64)}`,
  confirmations: 3,
  observedAt: new Date(),
})
const apply = (events: ChainEvent[]) =>
  server.runtime.runPromise(
    Effect.flatMap(CheckoutStore, (s) =>
      s.applyChainEvents({
        network: "devnet",
        mode: "test",
        requiredConfirmations: 1,
        events,
        cursor: null,
        now: new Date(),
      }),
    ),
  )

beforeAll(async () => {
  ;[browser, server] = await Promise.all([launchBrowser(), startApiServer("pglite")])
  const m = await server.merchant()
  merchantId = m.id
  await createOperator(server, "ops@example.test")
  const create = async (amount: string) => {
    const r = await http(server.url, "POST", "/api/v1/checkouts", {
      key: m.test,
      body: { amount, currency: "USD", description: "Console <b>test</b>", metadata: { order_id: "O-1" } },
    })
    expect(r.status, r.text).toBe(201)
    const j = r.json()
    return {
      id: j.id as string,
      address: j.payment_options.find((o: { network: string }) => o.network === "devnet").address as string,
    }
  }
  checkout = await create("10.00")
  second = await create("5.00")
  await apply([observed(checkout.address, 10_000_000n)])
  // Money to an address no checkout owns: kept as unmatched for the operator.
  await apply([observed("0x00000000000000000000000000000000000000ee", 5_000_000n)])
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }>
}
/** axe-core's serious and critical violations on the page, and its screenshot (test-artifacts/console-<name>.png). */
const axe = async (page: Page, name: string): Promise<Array<string>> => {
  await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true })
  await page.evaluate(AXE_SOURCE)
  const vs = await page.evaluate<Array<AxeViolation>>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  )
  return vs
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${page.url()} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
}

describe("operator console in Chromium", () => {
  it("signs in, draws the overview, resends an event, assigns an unmatched payment; axe finds nothing serious", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const problems: Array<string> = []
    const page = await context.newPage()
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text())
    })
    page.on("pageerror", (e) => problems.push(e.message))
    const found: Array<string> = []
    try {
      await page.goto(`${server.url}/console/checkouts/${checkout.id}`)
      expect(new URL(page.url()).pathname).toBe("/console/login")
      found.push(...(await axe(page, "login")))
      await page.getByLabel("Email").fill("ops@example.test")
      await page.getByLabel("Password").fill(PASSWORD)
      await page.getByRole("button", { name: "Sign in" }).click()
      // Back where the login started.
      await page.waitForURL(`**/console/checkouts/${checkout.id}`)

      await page.goto(`${server.url}/console/overview`)
      await page.locator("#chart-days .uplot canvas").waitFor({ timeout: 10_000 })
      found.push(...(await axe(page, "overview")))

      await page.goto(`${server.url}/console/checkouts?q=O-1`)
      found.push(...(await axe(page, "checkouts")))
      await page.getByRole("link", { name: checkout.id }).click()
      await page.waitForURL(`**/console/checkouts/${checkout.id}`)
      expect(await page.locator("#checkout-status").textContent()).toBe("completed")
      // Merchant text is shown as text, never as markup.
      expect(await page.getByText("Console <b>test</b>").count()).toBe(1)
      found.push(...(await axe(page, "checkout")))
      const [ev] = await server.runtime.runPromise(
        Effect.flatMap(Outbox, (o) => o.listEvents({ checkoutId: checkout.id, limit: 10 })),
      )
      await page
        .getByRole("button", { name: `Resend ${ev!.type}` })
        .first()
        .click()
      await page.getByRole("status").getByText("queued for delivery").waitFor()

      await page.goto(`${server.url}/console/unmatched`)
      found.push(...(await axe(page, "unmatched")))
      await page.getByLabel("Checkout id").fill(second.id)
      await page.getByRole("button", { name: "Review" }).click()
      await page.getByRole("heading", { name: "Confirm assignment" }).waitFor()
      found.push(...(await axe(page, "assign")))
      await page.getByRole("button", { name: "Assign the payment" }).click()
      await page.waitForURL(`**/console/checkouts/${second.id}?notice=assigned`)
      expect(await page.locator("#checkout-status").textContent()).toBe("completed")

      const db = await server.db()
      for (const [minutesAgo, calls] of [
        [2, 10],
        [1, 30],
      ] as const)
        await server.runtime.runPromise(
          recordWatcherStatus(db, {
            network: "devnet",
            head: 500n,
            scannedTo: 490n + BigInt(minutesAgo),
            lastError: null,
            at: new Date(Date.now() - minutesAgo * 60_000),
            rpcCalls: calls,
            rpcErrors: 0,
          }),
        )
      for (const path of ["/console/watchers", "/console/merchants", "/console/audit"]) {
        await page.goto(`${server.url}${path}`)
        if (path === "/console/watchers") {
          await page.locator("#chart-lag-0 .uplot canvas").waitFor({ timeout: 10_000 })
          await page.locator("#chart-rpc-0 .uplot canvas").waitFor({ timeout: 10_000 })
        }
        found.push(...(await axe(page, path.split("/").at(-1) ?? "page")))
      }
      await page.goto(`${server.url}/console/merchants/${merchantId}`)
      found.push(...(await axe(page, "merchant")))
      await page.getByLabel("Display name").fill("Brand <i>test</i>")
      await page.getByLabel("Accent colour").fill("#1f4fd1")
      await page.getByRole("button", { name: "Save the branding" }).click()
      await page.getByRole("status").getByText("branding is saved").waitFor()
      expect(await page.getByLabel("Display name").inputValue()).toBe("Brand <i>test</i>")

      await page.goto(`${server.url}/console/audit`)
      const audit = await page.locator("main table").textContent()
      for (const action of ["login", "event.resend", "unmatched.assign", "merchant.branding"])
        expect(audit).toContain(action)
    } finally {
      await context.close()
    }
    expect(found).toEqual([])
    // No CSP refusal, no script error.
    expect(problems).toEqual([])
  }, 120_000)
})
