import type { ChainEvent } from "./chain-events.js"
import { storableText } from "./wire/index.js"

// The text rules are the wire's (the API refuses unstorable text): `./wire` holds them.
export { escapeUnstorable, isStorableText, storableText } from "./wire/index.js"

const storableOrNull = (s: string | null): string | null => (s === null ? null : storableText(s))

/**
 * A chain event with `storableText` applied to its free text: memos (both the target's and an unmatched
 * transfer's), the sender and reasons. Identity and address fields (network, transaction hash, wallet,
 * addresses, token contract, block hash) are left as they are: changed, they would name another transaction
 * or account, so an event whose identity cannot be stored is set aside whole by the store instead. Every
 * chain family's events pass through here before the store writes them.
 */
export const storableChainEvent = (e: ChainEvent): ChainEvent => {
  switch (e._tag) {
    case "PaymentObserved": {
      const memo = e.target.kind === "memo" ? storableText(e.target.memo) : null
      const sender = storableOrNull(e.sender)
      if (sender === e.sender && (e.target.kind !== "memo" || memo === e.target.memo)) return e
      return {
        ...e,
        sender,
        target: e.target.kind === "memo" && memo !== null ? { ...e.target, memo } : e.target,
      }
    }
    case "UnmatchedTransfer": {
      const memo = storableOrNull(e.memo)
      const sender = storableOrNull(e.sender)
      const reason = storableText(e.reason)
      if (memo === e.memo && sender === e.sender && reason === e.reason) return e
      return { ...e, memo, sender, reason }
    }
    case "PaymentReverted": {
      const reason = storableText(e.reason)
      return reason === e.reason ? e : { ...e, reason }
    }
    case "PaymentConfirmed":
    case "PaymentConfirmationsUpdated":
      return e
  }
}
