import { Effect } from "effect"
import type { CreateCheckoutInput } from "../api.js"
import type { Merchant, Mode, NetworkConfig, NetworkId } from "../domain.js"
import { newCheckoutId, newTonComment } from "../ids.js"
import { AddressDerivation } from "../ports/AddressDerivation.js"
import { CheckoutStore, type CreateCheckoutResult, type IdempotencyInput } from "../ports/CheckoutStore.js"

/** The validated fields of a create request (what `validateCreateCheckout` returns; the currency is USD). */
export type CreateCheckoutCommand = Omit<CreateCheckoutInput, "currency">

/**
 * The networks a new checkout of `merchant` in `mode` can be paid on: those the operator configured for the
 * mode, that the merchant enabled, and for which the merchant gave what the family needs (an EVM or Tron xpub,
 * a TON wallet). An empty merchant list means "every configured network of the mode".
 */
export const checkoutNetworks = (
  merchant: Merchant,
  mode: Mode,
  configured: ReadonlyArray<NetworkConfig>,
): ReadonlyArray<NetworkConfig> => {
  const enabled = merchant.networks[mode]
  return configured.filter(
    (n) =>
      n.mode === mode &&
      (enabled.length === 0 || enabled.includes(n.id)) &&
      (n.family === "evm"
        ? merchant.evmXpub !== null
        : n.family === "tron"
          ? merchant.tronXpub !== null
          : merchant.tonWallet !== null),
  )
}

/**
 * Creates a checkout: allocates the merchant's next derivation index, derives the EVM and Tron deposit
 * addresses from the merchant's xpubs, draws a TON comment, and inserts everything in one transaction
 * (with the idempotency record when a key is given).
 */
export const createCheckout = (input: {
  readonly merchant: Merchant
  readonly mode: Mode
  readonly command: CreateCheckoutCommand
  readonly networks: ReadonlyArray<NetworkConfig>
  readonly idempotency: IdempotencyInput | null
  readonly now: Date
}) =>
  Effect.gen(function* () {
    const store = yield* CheckoutStore
    const derivation = yield* AddressDerivation
    const { merchant, mode, command, networks, now } = input
    const families = new Set(networks.map((n) => n.family))
    const index = yield* store.allocateDerivationIndex(merchant.id)
    const evmAddress =
      families.has("evm") && merchant.evmXpub
        ? yield* derivation.derive("evm", merchant.evmXpub, index)
        : null
    const tronAddress =
      families.has("tron") && merchant.tronXpub
        ? yield* derivation.derive("tron", merchant.tronXpub, index)
        : null
    const id = yield* newCheckoutId(mode)
    const tonComment = yield* newTonComment
    const networkIds: ReadonlyArray<NetworkId> = networks.map((n) => n.id)
    const result: CreateCheckoutResult = yield* store.createCheckout(
      {
        id,
        merchantId: merchant.id,
        mode,
        amountCents: command.amountCents,
        description: command.description,
        metadataJson: command.metadataJson,
        customerEmail: command.customerEmail,
        redirectUrl: command.redirectUrl,
        webhookUrl: command.webhookUrl,
        networks: networkIds,
        targets: { derivationIndex: index, evmAddress, tronAddress, tonComment },
        expiresAt: new Date(Math.floor(now.getTime() / 1000) * 1000 + command.expiresInSeconds * 1000),
        createdAt: new Date(Math.floor(now.getTime() / 1000) * 1000),
      },
      input.idempotency,
    )
    return result
  })
