// pnpm --filter @inzi/example-embed-evm start
import { runEmbedExample } from "./embed.js"

const r = await runEmbedExample({ log: (line) => console.log(line) })
process.exitCode = r.checkout.state.status === "completed" ? 0 : 1
