export {
  InvalidTronAddress,
  isTronAddress,
  normalizeTronAddress,
  TRON_ADDRESS_PREFIX,
  toTronAddress,
  tronAddressFromBytes,
  tronAddressToHex,
} from "./address.js"
export { decodeCursor, encodeCursor, type TronCursor } from "./cursor.js"
export { makeTronHttp, parseRetryAfter, type TronHttp, type TronHttpOptions } from "./http.js"
export {
  TRON_MAINNET,
  TRON_MAINNET_USDT,
  TRON_NILE,
  TRON_NILE_USDT,
  withTronGridApiKey,
} from "./networks.js"
export {
  TRON_ACCOUNT_DEPTH,
  TRON_COIN_TYPE,
  TronAddressDeriver,
  tronAddressFromPublicKey,
} from "./TronAddressDeriver.js"
export {
  DEFAULT_MAX_BLOCK_RANGE,
  makeTronScanner,
  type TronScannerOptions,
  tronScannerFactory,
} from "./TronScanner.js"
export {
  isSuccessfulInfo,
  normalizeTxId,
  TRANSFER_TOPIC,
  type TronTransfer,
  transfersOfInfo,
} from "./transactionInfo.js"
export { tronFamily, TronOptionsSchema } from "./family.js"
export { tronAddressOfKey, tronSweepRunner } from "./sweep-runner.js"
