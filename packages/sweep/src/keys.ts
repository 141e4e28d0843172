import type { ChainFamily, DepositAddress, DepositKey, FamilyRegistry } from "@inzi/core"
import { HDNodeWallet, Mnemonic } from "ethers"
import { sameAddress, sweeperOf } from "./families.js"

export class KeyMismatch extends Error {
  override readonly name = "KeyMismatch"
}

/**
 * Derives the keys of exactly these deposit addresses (and no others) from the merchant's mnemonic and
 * checks that each derived address equals the recorded one: a wrong mnemonic, passphrase or account is
 * refused before anything is signed.
 */
export const deriveDepositKeys = (
  families: FamilyRegistry,
  mnemonic: string,
  deposits: ReadonlyArray<DepositAddress>,
  passphrase = "",
): ReadonlyArray<DepositKey> => {
  const phrase = mnemonic.trim().split(/\s+/).join(" ")
  if (!Mnemonic.isValidMnemonic(phrase)) throw new KeyMismatch("not a valid BIP-39 mnemonic")
  const m = Mnemonic.fromPhrase(phrase, passphrase)
  // The BIP-44 external chain of each family (its module's `sweep.chainPath`), derived once.
  const chains = new Map<ChainFamily, HDNodeWallet>()
  return deposits.map((deposit) => {
    const sweeper = sweeperOf(families, deposit.family)
    if (sweeper === undefined)
      throw new KeyMismatch(`${deposit.network}: its family has no deposit keys to derive`)
    let chain = chains.get(deposit.family)
    if (chain === undefined) {
      chain = HDNodeWallet.fromMnemonic(m, sweeper.sweep.chainPath)
      chains.set(deposit.family, chain)
    }
    const node = chain.deriveChild(Number(deposit.derivationIndex))
    const derived = sweeper.sweep.runner.addressOfKey(node.privateKey)
    const recorded = deposit.address
    if (!sameAddress(families, deposit.family, derived, recorded))
      throw new KeyMismatch(
        `${deposit.network} index ${deposit.derivationIndex}: the mnemonic derives ${derived}, but Inzi recorded ${recorded} (wrong mnemonic, passphrase or account?); nothing was sent`,
      )
    return { deposit, privateKey: node.privateKey }
  })
}
