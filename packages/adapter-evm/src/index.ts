export { EvmAddressDeriver, normalizeEvmAddress, toChecksumAddress } from "./address.js"
export { CURSOR_CHECKPOINTS, decodeCursor, type EvmCursor, encodeCursor } from "./cursor.js"
export {
  decodeEvmNetwork,
  EVM_PRESETS,
  type EvmNetworkConfig,
  EvmNetworkConfigSchema,
  type EvmPresetId,
  EvmTokenConfigSchema,
  evmNetwork,
} from "./networks.js"
export {
  classifyRpcError,
  type EvmRpc,
  type EvmRpcOptions,
  type EvmRpcStats,
  makeEvmRpc,
  RangeTooLarge,
  type RpcCall,
  type RpcErrorKind,
  type RpcOutcome,
} from "./rpc.js"
export {
  type EvmScanner,
  type EvmScannerOptions,
  type EvmScannerStats,
  evmScannerFactory,
  makeEvmScanner,
  matchTransfers,
} from "./scanner.js"
export {
  parseQuantity,
  parseTransferLog,
  parseTransferLogs,
  TRANSFER_TOPIC,
  type TransferLog,
} from "./transfer-log.js"
export { evmFamily, EvmOptionsSchema } from "./family.js"
export {
  DEFAULT_GAS_MARGIN_PERCENT,
  type EvmPlanParameters,
  NATIVE_TRANSFER_GAS,
  planEvm,
  runEvm,
  evmSweepRunner,
} from "./sweep.js"
export { type JsonRpc, makeJsonRpc, RpcError } from "./sweep-rpc.js"
