import type { Checkout, Merchant, Payment, WebhookEventType } from "@inzi/core"
import type { SecretBox } from "./secrets.js"

/** The envelope of a webhook event, handed to `renderEventBody` with the checkout as it is after the change. */
export interface WebhookEventHeader {
  readonly id: string
  readonly type: WebhookEventType
  readonly createdAt: Date
  readonly livemode: boolean
  /** The event's number among its checkout's events: 1, 2, … in the order they were created. */
  readonly sequence: number
  /** The payment a payment event (`checkout.payment_reverted`, `checkout.late_payment`) is about; else null. */
  readonly payment: Payment | null
}

/**
 * Renders the exact JSON body stored with an outbox event (signed and sent as is by the dispatcher).
 * Runs inside the transaction of the status change; gets the checkout as it is after the change and its
 * merchant (for the TON wallet of the payment options).
 */
export type RenderEventBody = (event: WebhookEventHeader, checkout: Checkout, merchant: Merchant) => string

export interface CheckoutStoreOptions {
  /**
   * The webhook body builder. The application provides it (it knows the public URL and the network config
   * needed to render the checkout object); the default is a minimal body for embedding and tests.
   */
  readonly renderEventBody?: RenderEventBody | undefined
  readonly newEventId?: (() => string) | undefined
  /** Opens the merchants' webhook secrets (secrets.ts); the PgStore layer passes its configured box. */
  readonly secrets?: SecretBox | null | undefined
  readonly newUnmatchedId?: (() => string) | undefined
  /**
   * Fresh derivation indices a take draws at once when a merchant's address pool is empty (default 32): the rest
   * serve the next inline creates of this process without a statement (AddressPoolPg.ts, `freshBlock`); those
   * unused when the process ends are gaps in the merchant's sequence, never reused.
   */
  readonly freshIndexBlock?: number | undefined
}

/** The minimal webhook body used when no renderer is injected (API.md envelope, a reduced checkout object). */
export const minimalEventBody: RenderEventBody = (event, checkout) =>
  JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    livemode: event.livemode,
    sequence: event.sequence,
    data: { object: { id: checkout.id, status: checkout.status, metadata: "__METADATA__" } },
  }).replace('"__METADATA__"', checkout.metadataJson ?? "null")
