import { afterAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { runCliWith } from "../support/cli.js"
import { fakeConversation } from "../support/fakeConversation.js"
import { startFakeProvider } from "../support/fakeProvider.js"
import { fastConfig, jsonlLines } from "../support/runFixture.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const reply = (body: Record<string, unknown>) => ({ content: fakeConversation(body) })
const KEYS = {
  GROQ_API_KEY: "gsk_SECRET_groq_7Zq4Lm9Xv2Pt",
  HF_TOKEN: "hf_SECRET_huggingface_3Kd8Wq1",
  TOGETHER_API_KEY: "tg_SECRET_together_5Nb6Yr0",
  OPENAI_API_KEY: "sk-SECRET-openai-8Hc2Jm4"
}
const groq = await startFakeProvider({ flavor: "groq", key: KEYS.GROQ_API_KEY, reply })
const hf = await startFakeProvider({ flavor: "huggingface", key: KEYS.HF_TOKEN, reply, unauthorizedMessage: (auth) => `Invalid token ${auth}` })
afterAll(async () => {
  await groq.close()
  await hf.close()
})

const allFiles = (path: string): Array<string> =>
  readdirSync(path).flatMap((name) => (statSync(join(path, name)).isDirectory() ? allFiles(join(path, name)) : [join(path, name)]))

describe("secrets", () => {
  it("no key appears in stdout, stderr or any file of the run, whatever the command", async () => {
    const config = dir.write("config.yaml", fastConfig(`quality:\n  judge:\n    enabled: true\n    provider: huggingface\n`))
    const out = dir.path("run")
    const env = { ...KEYS, GROQ_BASE_URL: groq.url, HF_BASE_URL: hf.url, OPENAI_BASE_URL: groq.url }
    const outputs: Array<string> = []
    for (const args of [
      ["validate", "-c", config, "--online"],
      ["generate", "-c", config, "-o", out, "-n", "6", "--provider", "groq", "--verbose"],
      ["generate", "-c", config, "-o", out, "-n", "6", "--provider", "groq", "--dry-run"],
      ["rescore", out, "-c", config],
      ["report", out, "--json"],
      ["report", out, "--html", `${out}/report.html`],
      ["export", out, "--format", "openai", "--out", `${out}/export.jsonl`],
      ["plan", "-c", config, "-n", "4"],
      ["scenarios", "-c", config]
    ]) {
      const result = await Effect.runPromise(runCliWith(args, env))
      outputs.push(result.stdout, result.stderr)
    }
    // a provider that echoes the key in its 401 body
    const refused = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", dir.path("refused"), "-n", "2", "--provider", "huggingface"], { ...env, HF_TOKEN: "hf_SECRET_wrong_token_991" }))
    outputs.push(refused.stdout, refused.stderr)
    expect(refused.stderr).toContain("[redacted]")
    const texts = [...outputs, ...allFiles(out).map((f) => readFileSync(f, "utf8")), ...allFiles(dir.path("refused")).map((f) => readFileSync(f, "utf8"))]
    for (const key of [...Object.values(KEYS), "hf_SECRET_wrong_token_991"]) {
      for (const text of texts) expect(text.includes(key), `key ${key.slice(0, 8)}… leaked`).toBe(false)
    }
    expect(jsonlLines(`${out}/dataset.jsonl`).length).toBeGreaterThan(0)
  }, 60_000)
})

/** A tiny filesystem of our own, where possible (root can mount tmpfs here). */
const mountTiny = (path: string): boolean => {
  try {
    mkdirSync(path, { recursive: true })
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", path], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

describe("a full disk", () => {
  const mount = dir.path("tiny")
  const mounted = mountTiny(mount)
  if (!mounted) console.warn("skipping the full-disk test: a small tmpfs cannot be mounted here (needs root)")
  afterAll(() => {
    if (mounted) execFileSync("umount", [mount], { stdio: "ignore" })
  })

  it.skipIf(!mounted)("stops the run with a clear error and leaves no torn or lost accepted line", async () => {
    const config = dir.write("disk.yaml", fastConfig())
    const out = join(mount, "run")
    const result = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "-n", "60", "--quiet"], { GROQ_API_KEY: KEYS.GROQ_API_KEY, GROQ_BASE_URL: groq.url }))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: cannot write .*run\/(dataset|rejected|log|failures)\.jsonl \(.*\); the run stopped with no partial line written/)
    expect(result.stderr.split("\n")).toHaveLength(1)
    const text = readFileSync(join(out, "dataset.jsonl"), "utf8")
    expect(text === "" || text.endsWith("\n")).toBe(true) // no torn line
    for (const line of jsonlLines(join(out, "dataset.jsonl"))) expect(() => JSON.parse(line)).not.toThrow()
  }, 60_000)
})
