import { tronAddressFromBytes } from "@inzi/adapter-tron"
import { computeAddress, getBytes, HDNodeWallet, Mnemonic } from "ethers"
import type { DepositAddress } from "./deposits.js"

/** BIP-44 external chains: EVM `m/44'/60'/0'/0`, Tron `m/44'/195'/0'/0` (the xpubs Inzi derives from). */
export const CHAIN_PATH = { evm: "m/44'/60'/0'/0", tron: "m/44'/195'/0'/0" } as const

export class KeyMismatch extends Error {
  override readonly name = "KeyMismatch"
}

/** A deposit address with the private key that controls it (kept in memory only). */
export interface DepositKey {
  readonly deposit: DepositAddress
  readonly privateKey: string
}

/** The Tron address (`T…`) of a private key: base58check(0x41 ‖ the EVM address bytes). */
export const tronAddressOfKey = (privateKey: string): string =>
  tronAddressFromBytes(getBytes(computeAddress(privateKey)))

/**
 * Derives the keys of exactly these deposit addresses (and no others) from the merchant's mnemonic and
 * checks that each derived address equals the recorded one: a wrong mnemonic, passphrase or account is
 * refused before anything is signed.
 */
export const deriveDepositKeys = (
  mnemonic: string,
  deposits: ReadonlyArray<DepositAddress>,
  passphrase = "",
): ReadonlyArray<DepositKey> => {
  const phrase = mnemonic.trim().split(/\s+/).join(" ")
  if (!Mnemonic.isValidMnemonic(phrase)) throw new KeyMismatch("not a valid BIP-39 mnemonic")
  const m = Mnemonic.fromPhrase(phrase, passphrase)
  const chains = {
    evm: HDNodeWallet.fromMnemonic(m, CHAIN_PATH.evm),
    tron: HDNodeWallet.fromMnemonic(m, CHAIN_PATH.tron),
  }
  return deposits.map((deposit) => {
    const node = chains[deposit.family].deriveChild(Number(deposit.derivationIndex))
    const derived =
      deposit.family === "evm" ? node.address.toLowerCase() : tronAddressFromBytes(getBytes(node.address))
    const recorded = deposit.family === "evm" ? deposit.address.toLowerCase() : deposit.address
    if (derived !== recorded)
      throw new KeyMismatch(
        `${deposit.network} index ${deposit.derivationIndex}: the mnemonic derives ${derived}, but Inzi recorded ${recorded} (wrong mnemonic, passphrase or account?); nothing was sent`,
      )
    return { deposit, privateKey: node.privateKey }
  })
}
