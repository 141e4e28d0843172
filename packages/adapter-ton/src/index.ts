export * from "./config.js"
export * from "./jetton.js"
export * from "./memo.js"
export * from "./transaction.js"
