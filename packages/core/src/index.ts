export * from "./chain-events.js"
export * from "./domain.js"
export * from "./ports/index.js"
