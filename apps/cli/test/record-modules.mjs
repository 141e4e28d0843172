// `node --import ./record-modules.mjs …`: appends the URL of every module the process loads to $INZI_MODULES_LOG.
import { register } from "node:module"

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from "node:fs"
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(process.env.INZI_MODULES_LOG)}, url + "\\n")
  return next(url, context)
}`)}`,
)
