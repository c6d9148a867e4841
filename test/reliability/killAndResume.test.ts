import { spawn } from "node:child_process"
import { afterAll, describe, expect, it } from "vitest"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { fakeConversation } from "../support/fakeConversation.js"
import { startFakeProvider } from "../support/fakeProvider.js"
import { fastConfig, jsonlLines } from "../support/runFixture.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const fake = await startFakeProvider({ flavor: "groq", latencyMs: [30, 120], reply: (body) => ({ content: fakeConversation(body) }) })
afterAll(() => fake.close())
const config = dir.write("config.yaml", fastConfig())
const TSX = pathToFileURL(resolve("node_modules/tsx/dist/loader.mjs")).href
const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", GROQ_API_KEY: "gsk_kill_test", GROQ_BASE_URL: fake.url }
const N = 60

/** Starts a real `generate` process; resolves with its exit code. */
const start = (out: string) => {
  const child = spawn(process.execPath, ["--import", TSX, resolve("src/bin.ts"), "generate", "-c", config, "-o", out, "-n", String(N), "--quiet", "--concurrency", "4"], { env, stdio: "ignore" })
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  return { child, exited }
}

describe("kill -9 and resume", () => {
  it("five SIGKILLs at random moments lose no accepted conversation and end with exactly N unique ids", async () => {
    const out = dir.path("run")
    const kept = new Set<string>()
    let seed = 12345
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let kill = 0; kill < 5; kill++) {
      const { child, exited } = start(out)
      const target = kept.size + 1 + Math.floor(random() * 10)
      const deadline = Date.now() + 30_000
      while (jsonlLines(`${out}/dataset.jsonl`).length < Math.min(target, N) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 15))
      }
      child.kill("SIGKILL")
      await exited
      for (const line of jsonlLines(`${out}/dataset.jsonl`)) kept.add((JSON.parse(line) as { id: string }).id)
    }
    const { exited } = start(out)
    expect(await exited).toBe(0)
    const idsOf = (file: string) => jsonlLines(`${out}/${file}`).map((l) => (JSON.parse(l) as { id: string }).id)
    const ids = idsOf("dataset.jsonl")
    const rejected = idsOf("rejected.jsonl")
    // every item ended exactly once: accepted or rejected (a near-copy of another, say), never twice
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set([...ids, ...rejected]).size).toBe(N)
    expect(ids.length + rejected.length).toBe(N)
    for (const id of kept) expect(ids).toContain(id)
    for (const file of ["dataset.jsonl", "rejected.jsonl", "failures.jsonl", "log.jsonl"]) {
      const text = jsonlLines(`${out}/${file}`)
      for (const line of text) expect(() => JSON.parse(line)).not.toThrow()
    }
    expect(JSON.parse((await import("node:fs")).readFileSync(`${out}/run.json`, "utf8")).status).toBe("finished")
  }, 120_000)
})
