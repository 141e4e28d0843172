export { openApiJson, InziApi } from "./api.js"
export { freePort, ServerLayer, type ServerOptions, startServer } from "./app.js"
export { HttpListener } from "./server.js"
