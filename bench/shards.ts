/**
 * Scale-out by shards: one job split `--shard 1/4 … 4/4` across four real `generate` processes, each on
 * its own rate-limited fake provider, then `export` of the four run directories. Reports the combined
 * rate against the sum of the limits (measured at the providers, from the first request to the last)
 * and checks that the export holds every id exactly once.
 */
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fakeConversation } from "../test/support/fakeConversation.js"
import { startFakeProvider } from "../test/support/fakeProvider.js"
import { BIN } from "./cliPath.js"

export interface ShardResult {
  readonly shards: number
  readonly items: number
  readonly exported: number
  readonly duplicateIds: number
  readonly missingIds: number
  readonly achievedPerMinute: number
  readonly limitPerMinute: number
  readonly ratio: number
}


const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env }, stdio: "ignore" })
    child.on("exit", (code) => done(code))
  })

export const runShardBench = async (rpm: number, seconds: number, shards = 4): Promise<ShardResult> => {
  const root = mkdtempSync(join(tmpdir(), "agentic-synth-shards-"))
  const perShard = Math.round((rpm * seconds) / 60)
  const items = perShard * shards
  const fakes = await Promise.all(Array.from({ length: shards }, () =>
    startFakeProvider({ flavor: "plain", rpm, mode: "sliding", latencyMs: [100, 300], reply: (body) => ({ content: fakeConversation(body) }) })
  ))
  try {
    const config = join(root, "config.yaml")
    writeFileSync(config, `provider: openai\nproviders:\n  openai:\n    model: fake-model\n    rpm: ${rpm}\n    max_concurrency: 8\nquality:\n  dedup: false\n  min_score: 0\n`)
    const dirs = fakes.map((_, i) => join(root, `shard-${i + 1}`))
    const codes = await Promise.all(fakes.map((fake, i) =>
      run(["generate", "-c", config, "-o", dirs[i]!, "-n", String(items), "--shard", `${i + 1}/${shards}`, "--quiet"], { OPENAI_BASE_URL: fake.url })
    ))
    if (codes.some((c) => c !== 0)) throw new Error(`a shard process failed: exit codes ${codes.join(", ")}`)
    const out = join(root, "all.jsonl")
    await new Promise<void>((done, fail) =>
      execFile(process.execPath, [BIN, "export", ...dirs, "--format", "hf", "--out", out], (error) => (error === null ? done() : fail(error)))
    )
    const ids = readFileSync(out, "utf8").split("\n").filter((l) => l !== "").length
    const byId = new Set<string>()
    let duplicates = 0
    for (const dir of dirs) {
      for (const line of readFileSync(join(dir, "dataset.jsonl"), "utf8").split("\n").filter((l) => l !== "")) {
        const id = (JSON.parse(line) as { id: string }).id
        if (byId.has(id)) duplicates++
        byId.add(id)
      }
    }
    const served = fakes.flatMap((f) => f.chatRequests().filter((r) => r.status === 200).map((r) => r.at))
    const span = (Math.max(...served) - Math.min(...served)) / 60_000
    const achievedPerMinute = span > 0 ? (served.length - shards) / span : 0
    return {
      shards,
      items,
      exported: ids,
      duplicateIds: duplicates,
      missingIds: items - byId.size,
      achievedPerMinute,
      limitPerMinute: rpm * shards,
      ratio: achievedPerMinute / (rpm * shards)
    }
  } finally {
    await Promise.all(fakes.map((f) => f.close()))
    rmSync(root, { recursive: true, force: true })
  }
}
