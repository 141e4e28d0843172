import { Context, type Effect } from "effect"
import type { WebhookTransportError } from "./errors.js"

export interface WebhookRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timeoutMs: number
  /** Refuse loopback/private/link-local/metadata destinations (checked at connect time). */
  readonly blockPrivateAddresses: boolean
  /** With `blockPrivateAddresses`: loopback destinations still pass (test mode, when the operator allows it). */
  readonly allowLoopback?: boolean | undefined
}

export interface WebhookResponse {
  readonly statusCode: number
  readonly latencyMs: number
}

/** POSTs one signed webhook. A non-2xx answer is a response, not an error. */
export class WebhookTransport extends Context.Tag("@inzi/core/WebhookTransport")<
  WebhookTransport,
  { readonly send: (req: WebhookRequest) => Effect.Effect<WebhookResponse, WebhookTransportError> }
>() {}
