import { evmFamily } from "@inzi/adapter-evm"
import { tronFamily } from "@inzi/adapter-tron"
import type { ChainFamilyModule, FamilyRegistry } from "@inzi/core"

/**
 * The registry the tests sweep with (the CLI passes @inzi/platform's `FAMILIES`): the real EVM and Tron modules,
 * runners included; TON's stand-in has no `sweep`, like TON's module (its payments land in the merchant's wallet).
 */
export const FAMILIES: FamilyRegistry = {
  evm: evmFamily,
  tron: tronFamily,
  ton: { ...evmFamily, family: "ton", label: "TON", sweep: undefined } as unknown as ChainFamilyModule<"ton">,
}
