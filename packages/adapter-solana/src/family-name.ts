import type { ChainFamily } from "@inzi/core"

// Until core's `ChainFamily` names "solana" (the registry line of #25's second step), the family's name is
// typed through this one cast.
export const SOLANA = "solana" as unknown as ChainFamily
