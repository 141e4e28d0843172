/** The two words of the domain the wire names: the mode of a key or checkout, and a checkout's status. */

/** Live checkouts are paid on mainnets, test checkouts on test networks (as in Stripe). */
export type Mode = "live" | "test"
export const MODES: ReadonlyArray<Mode> = ["live", "test"]

export type CheckoutStatus = "pending" | "processing" | "completed" | "expired" | "underpaid"
export const CHECKOUT_STATUSES: ReadonlyArray<CheckoutStatus> = [
  "pending",
  "processing",
  "completed",
  "expired",
  "underpaid",
]
