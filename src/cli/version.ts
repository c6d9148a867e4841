import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/**
 * The package version, read from package.json: two levels up from src/cli and dist/cli, three from the
 * benchmarks' build (.bench/src/cli).
 */
export const VERSION: string = (() => {
  const up = ["../../package.json", "../../../package.json"].find((p) => existsSync(fileURLToPath(new URL(p, import.meta.url))))
  return (createRequire(import.meta.url)(up ?? "../../package.json") as { version: string }).version
})()
