/** The registry the tests sweep with: the one the CLI passes (every family; EVM and Tron carry a runner). */
export { FAMILIES } from "@inzi/platform"
