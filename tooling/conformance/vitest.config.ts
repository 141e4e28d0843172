import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: { conditions: ["@inzi/source"] },
  ssr: { resolve: { conditions: ["@inzi/source"] } },
  test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
})
