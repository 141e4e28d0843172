import { makeStores } from "@inzi/adapter-postgres"
import { makeTestDatabase } from "@inzi/adapter-postgres/testing"
import type { Checkout, NetworkConfig, PaymentObserved } from "@inzi/core"
import { Effect } from "effect"
import { HDNodeWallet, Mnemonic } from "ethers"
import { tronAddressFromBytes } from "@inzi/adapter-tron"
import { getBytes } from "ethers"

/** The BIP-39 test vector (NOT the devnet's funded Hardhat mnemonic): the merchant's seed in these tests. */
export const MERCHANT_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

const m = Mnemonic.fromPhrase(MERCHANT_MNEMONIC)
export const xpub = (coin: 60 | 195) => HDNodeWallet.fromMnemonic(m, `m/44'/${coin}'/0'`).neuter().extendedKey
export const evmAddressAt = (i: number) =>
  HDNodeWallet.fromMnemonic(m, `m/44'/60'/0'/0/${i}`).address.toLowerCase()
export const tronAddressAt = (i: number) =>
  tronAddressFromBytes(getBytes(HDNodeWallet.fromMnemonic(m, `m/44'/195'/0'/0/${i}`).address))

/**
 * A real (PGlite) store with one merchant whose xpubs come from the test mnemonic, and a way to record a
 * checkout at a given derivation index paid on chain (a confirmed payment, as the watcher would record it).
 */
export const makeMerchantStore = async () => {
  const database = await makeTestDatabase()
  const stores = makeStores(database.db)
  const merchant = await Effect.runPromise(
    stores.merchants.createMerchant({
      id: "mer_sweeptest00000000000000",
      name: "Sweep test",
      webhookUrl: null,
      webhookSecret: "whsec_test",
      payoutKeys: { evm: xpub(60), tron: xpub(195) },
      networks: { live: [], test: ["devnet", "tron-nile"] },
    }),
  )
  let n = 0
  const now = new Date()
  const openCheckout = async (index: number, networks: ReadonlyArray<string>): Promise<string> => {
    n++
    const id = `chk_test_${`${index}n${n}`.padEnd(24, "x")}`
    await Effect.runPromise(
      stores.checkouts.createCheckout(
        {
          id,
          merchantId: merchant.id,
          mode: "test",
          amountCents: 100_000n,
          description: null,
          metadataJson: null,
          customerEmail: null,
          redirectUrl: null,
          webhookUrl: null,
          networks,
          targets: {
            derivationIndex: BigInt(index),
            entries: [
              {
                family: "evm",
                address: evmAddressAt(index),
                memo: null,
                lookup: evmAddressAt(index).toLowerCase(),
              },
              { family: "tron", address: tronAddressAt(index), memo: null, lookup: tronAddressAt(index) },
              {
                family: "ton",
                address: null,
                memo: `C${index}-${n}`,
                lookup: `${merchant.id}:C${index}-${n}`,
              },
            ],
          },
          expiresAt: new Date(now.getTime() + 3_600_000),
          createdAt: new Date(now.getTime() + n),
        },
        null,
      ),
    )
    return id
  }
  const recordPayment = async (
    network: NetworkConfig,
    p: {
      address: string
      txHash: string
      logIndex?: number
      contract: string
      symbol: string
      amount: bigint
      decimals?: number
    },
  ) => {
    const event: PaymentObserved = {
      _tag: "PaymentObserved",
      network: network.id,
      txHash: p.txHash,
      logIndex: p.logIndex ?? 0,
      target: { kind: "address", address: p.address },
      token: p.symbol,
      tokenContract: p.contract,
      decimals: p.decimals ?? 6,
      amount: p.amount,
      sender: null,
      blockNumber: 1n,
      blockHash: null,
      confirmations: 100,
      observedAt: new Date(),
    }
    await Effect.runPromise(
      stores.checkouts.applyChainEvents({
        network: network.id,
        mode: "test",
        requiredConfirmations: network.confirmations,
        events: [event],
        cursor: null,
        now: new Date(),
      }),
    )
  }
  const checkouts = async (): Promise<ReadonlyArray<Checkout>> => {
    const page = await Effect.runPromise(
      stores.checkouts.listCheckouts({
        merchantId: merchant.id,
        mode: "test",
        limit: 100,
        offset: 0,
        now: new Date(),
      }),
    )
    return page.data
  }
  return { database, stores, merchant, openCheckout, recordPayment, checkouts, close: () => database.close() }
}
