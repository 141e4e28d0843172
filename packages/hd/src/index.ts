export * from "./derive.js"
export * from "./xpub.js"
