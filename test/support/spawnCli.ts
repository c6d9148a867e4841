import { execFile } from "node:child_process"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"

// Absolute, so the process may start in any directory.
const TSX = pathToFileURL(resolve("node_modules/tsx/dist/loader.mjs")).href
const BIN = resolve("src/bin.ts")

export interface SpawnResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real entry point (`src/bin.ts` under tsx) as a new user would, in a separate process. */
export const spawnCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}, cwd = process.cwd()) =>
  new Promise<SpawnResult>((done) => {
    execFile(
      process.execPath,
      ["--import", TSX, BIN, ...args],
      { cwd, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr })
    )
  })
