/**
 * The Tron sweep's chain code (`@inzi/adapter-tron/sweep`): plan, run, node client, transactions. Apart from the
 * main entry because it loads tronweb; the family module's runner (sweep-runner.ts) loads it on first use.
 */
export {
  DEFAULT_BANDWIDTH_PRICE,
  DEFAULT_ENERGY_MARGIN_PERCENT,
  DEFAULT_ENERGY_PRICE,
  DEFAULT_TRC20_ENERGY,
  planTron,
  runTron,
  type TronPlanParameters,
} from "./sweep.js"
export { makeTronNode, type TronNode, TronNodeError, type TronTxInfo } from "./sweep-node.js"
export {
  buildTrc20Transfer,
  buildTrxTransfer,
  DEFAULT_EXPIRATION_MS,
  type RefBlock,
  recomputeTronTx,
  refBlockFields,
  signTronTransaction,
  type TronRawData,
  type TronTransaction,
  tronBandwidthBytes,
  tronSigner,
  trc20TransferData,
} from "./sweep-tx.js"
