export { openApiJson, InziApi } from "./api.js"
export { ServerLayer, type ServerOptions, startServer } from "./app.js"
