export {
  launchWorker,
  startWorker,
  WorkerFiber,
  type WorkerOptions,
  WorkerLayer,
  workerProgram,
} from "./app.js"
export { runSweeper, sweepOnce } from "./sweeper.js"
export { runWatcher, type WatcherCycle, watcherCycle } from "./watcher.js"
export * from "./webhooks/NodeWebhookTransport.js"
export * from "./webhooks/WebhookDispatcher.js"
