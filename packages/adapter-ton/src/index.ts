export { type TonTestnetParameters, tonMainnet, tonTestnet, USDT_MAINNET_MASTER } from "./config.js"
export {
  type ForwardPayload,
  type InternalTransfer,
  OP_ENCRYPTED_COMMENT,
  OP_INTERNAL_TRANSFER,
  OP_TEXT_COMMENT,
  OP_TRANSFER_NOTIFICATION,
  OP_JETTON_TRANSFER,
  parseInternalTransfer,
  parseJettonTransfer,
  parseTransferNotification,
  readForwardPayload,
  type TransferNotification,
} from "./jetton.js"
export { normalizeMemo } from "./memo.js"
export { isTonWalletAddress } from "./wallet.js"
export {
  makeTonScanner,
  type TonPaymentSource,
  type TonScanner,
  type TonScannerOptions,
  tonScannerFactory,
} from "./scanner.js"
export {
  type GetJettonTransfersParameters,
  type GetTransactionsParameters,
  makeToncenterClient,
  type RunGetMethodResult,
  type ToncenterClient,
  type ToncenterClientOptions,
  type ToncenterStackEntry,
} from "./toncenter.js"
export {
  creditOf,
  decodeToncenterTransaction,
  MalformedTransaction,
  notificationOf,
  type TonTransaction,
  ToncenterTransaction,
} from "./transaction.js"
export { tonFamily, TonOptionsSchema } from "./family.js"
export { JettonTransfersV3, JettonTransferV3 } from "./v3.js"
