export {
  payOnTonDevnet,
  startTonDevnet,
  TON_DEVNET_USDT_DECIMALS,
  type TonDevnet,
  type TonDevnetPayment,
} from "./devnet.js"
export {
  type ExtraRoute,
  FakeToncenter,
  type GetMethodAnswer,
  type GetMethodHandler,
  Ledger,
  type RecordedRequest,
} from "./fake-toncenter.js"
export { type Comment, type JettonWorld, jettonTransferBody, makeJettonWorld } from "./jetton-world.js"
export {
  accountOf,
  stackFromToncenter,
  stackToToncenter,
  rawUpper,
  type ToncenterTx,
  type ToncenterV3JettonTransfer,
  toToncenterV2,
  toToncenterV3JettonTransfer,
} from "./toncenter-shape.js"
