import { apiSuite } from "./suite.js"

// The whole contract on embedded PGlite (one session: the concurrency tests run in api.postgres.test.ts).
apiSuite("pglite", { concurrency: false })
