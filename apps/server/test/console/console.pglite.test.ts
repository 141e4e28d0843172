import { consoleSuite } from "./suite.js"

consoleSuite("pglite")
