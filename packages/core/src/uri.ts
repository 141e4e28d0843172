/**
 * Wallet links for the hosted page's QR code and for white-label payment UIs.
 */

/**
 * EIP-681 ERC-20 transfer: `ethereum:<token>@<chainId>/transfer?address=<to>&uint256=<units>`.
 * @example evmTransferUri({ token: "0x8335…", chainId: 8453, to: "0xabc…", units: 25_000_000n })
 */
export const evmTransferUri = (p: {
  readonly token: string
  readonly chainId: number
  readonly to: string
  readonly units: bigint
}): string => `ethereum:${p.token}@${p.chainId}/transfer?address=${p.to}&uint256=${p.units}`

/**
 * TON jetton transfer (Tonkeeper / TON Connect deep link):
 * `ton://transfer/<wallet>?jetton=<master>&amount=<units>&text=<comment>` with the comment URL-encoded.
 */
export const tonTransferUri = (p: {
  readonly wallet: string
  readonly jettonMaster: string
  readonly units: bigint
  readonly comment: string
}): string =>
  `ton://transfer/${p.wallet}?jetton=${encodeURIComponent(p.jettonMaster)}&amount=${p.units}&text=${encodeURIComponent(p.comment)}`

/** Tron wallets have no common transfer URI: the QR code holds the address itself. */
export const tronTransferUri = (p: { readonly to: string }): string => p.to
