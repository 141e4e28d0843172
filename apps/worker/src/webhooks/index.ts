export { blockedAddressReason } from "./address-policy.js"
export {
  makeNodeWebhookTransport,
  NodeWebhookTransport,
  type NodeWebhookTransportOptions,
  NodeWebhookTransportLive,
  type ResolvedAddress,
  type ResolveHost,
} from "./NodeWebhookTransport.js"
export {
  type DispatchSummary,
  type DeliveryOutcome,
  deliverOne,
  destinationOf,
  dispatcherConfig,
  dispatcherLoop,
  type PrivateAddressPolicy,
  runDispatcherOnce,
  USER_AGENT,
  type WebhookDispatcherConfig,
  type WebhookDispatcherOptions,
} from "./WebhookDispatcher.js"
