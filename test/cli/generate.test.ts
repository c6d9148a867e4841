import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { Effect, Fiber, Schema } from "effect"
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { Conversation } from "../../src/domain/Conversation.js"
import { CONTEXT_REFUSALS_TO_DROP } from "../../src/provider/Limiter.js"
import { runCliWith } from "../support/cli.js"
import { fakeConversation } from "../support/fakeConversation.js"
import { startFakeProvider } from "../support/fakeProvider.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const KEY = "gsk_generate_test_7Hq3Zt9Lk"
const fake = await startFakeProvider({ flavor: "groq", key: KEY, latencyMs: [5, 30], reply: (body) => ({ content: fakeConversation(body) }) })
afterAll(async () => {
  await fake.close()
})
beforeEach(() => {
  expect(fake.violations).toEqual([])
  fake.set({ reply: (body) => ({ content: fakeConversation(body) }), faults: {}, script: [], contextTokens: undefined })
})

const config = dir.write(
  "fast.yaml",
  `provider: groq
providers:
  groq:
    model: fake-model
    rpm: null
    rpd: null
    tpm: null
    tpd: null
    max_concurrency: 8
    timeout_seconds: 5
retry:
  attempts: 2
  base_delay_ms: 10
  max_delay_ms: 50
generation:
  concurrency: 8
`
)
const env = { GROQ_API_KEY: KEY, GROQ_BASE_URL: fake.url }
let runs = 0
const newDir = () => dir.path(`run-${++runs}`)
const generate = (out: string, ...args: Array<string>) =>
  Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "--quiet", ...args], env))
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [])
const records = (out: string) => lines(`${out}/dataset.jsonl`).map((l) => JSON.parse(l) as { id: string })
const manifest = (out: string) => JSON.parse(readFileSync(`${out}/run.json`, "utf8"))
const chatCount = () => fake.chatRequests().length

describe("generate", () => {
  it("turns 30 items over all 8 types into valid records, with a manifest and an audit log", async () => {
    const out = newDir()
    const result = await generate(out, "-n", "30")
    expect(result.code).toBe(0)
    const dataset = lines(`${out}/dataset.jsonl`)
    expect(dataset).toHaveLength(30)
    const decoded = dataset.map((line) => Schema.decodeUnknownSync(Conversation)(JSON.parse(line), { onExcessProperty: "error" }))
    expect(new Set(decoded.map((c) => c.id)).size).toBe(30)
    expect(new Set(decoded.map((c) => c.scenario.type)).size).toBe(8)
    for (const c of decoded) {
      expect(c.id).toBe(`${c.scenario.type}/${c.scenario.id}/v${c.scenario.variation}/s0`)
      expect(c.conversation_type).toBe(`synthetic_${c.scenario.type}`)
      expect(c.provenance).toMatchObject({ provider: "groq", model: "fake-model", prompt_version: "1" })
      expect(c.quality_score).toBeGreaterThanOrEqual(0.7) // scored by the quality stage and above the minimum
      expect(Object.keys(c.quality ?? {})).toEqual(["structure", "tool_use", "reasoning", "completeness", "naturalness"])
      expect(c.complexity).toMatch(/^(low|medium|high)$/)
    }
    expect(manifest(out)).toMatchObject({
      status: "finished",
      counts: { planned: 30, skipped: 0, accepted: 30, rejected: 0, failed: 0, remaining: 0 },
      totals: { accepted: 30, rejected: 0, failures: 0 },
      providers: [{ provider: "groq", model: "fake-model", requests: 30 }]
    })
    const log = lines(`${out}/log.jsonl`).map((l) => JSON.parse(l) as { event: string })
    expect(log.filter((e) => e.event === "accepted")).toHaveLength(30)
    expect(log.map((e) => e.event)).toContain("end")
    expect(result.stdout).toContain("items: 30 planned, 0 already done, 30 generated now: 30 accepted, 0 rejected, 0 failed")
    expect(result.stdout).toMatch(/^tool_usage\s+4\s+0\s+0\s+100\.0%$/m)
    for (const file of readdirSync(out)) expect(readFileSync(`${out}/${file}`, "utf8")).not.toContain(KEY)
  })

  it("resumes: a larger second run adds only the missing items", async () => {
    const out = newDir()
    expect((await generate(out, "-n", "10")).code).toBe(0)
    const before = chatCount()
    const second = await generate(out, "-n", "25")
    expect(second.code).toBe(0)
    expect(chatCount() - before).toBe(15)
    const ids = records(out).map((r) => r.id)
    expect(ids).toHaveLength(25)
    expect(new Set(ids).size).toBe(25)
    expect(manifest(out)).toMatchObject({ sessions: 2, counts: { planned: 25, skipped: 10, accepted: 15 } })
    expect(second.stdout).toContain("25 planned, 10 already done, 15 generated now")
  })

  it("an interrupted run loses nothing written and the next run completes it exactly", async () => {
    const out = newDir()
    fake.set({ latencyMs: [40, 80] })
    const fiber = Effect.runFork(runCliWith(["generate", "-c", config, "-o", out, "--quiet", "-n", "30", "--concurrency", "2"], env))
    while (lines(`${out}/dataset.jsonl`).length < 4) await new Promise((r) => setTimeout(r, 20))
    await Effect.runPromise(Fiber.interrupt(fiber))
    fake.set({ latencyMs: [5, 30] })
    expect(manifest(out).status).toBe("interrupted")
    const kept = records(out).length
    expect(kept).toBeGreaterThanOrEqual(4)
    expect(kept).toBeLessThan(30)
    expect((await generate(out, "-n", "30")).code).toBe(0)
    const ids = records(out).map((r) => r.id)
    expect(ids).toHaveLength(30)
    expect(new Set(ids).size).toBe(30)
  })

  it("cuts a torn last line and never passes it on", async () => {
    const out = newDir()
    await generate(out, "-n", "5")
    appendFileSync(`${out}/dataset.jsonl`, `{"id":"tool_usage/sales-csv-analysis/v2/s0","conversation_type":"synth`)
    appendFileSync(`${out}/log.jsonl`, `{"at":"2026-11-26T00:00:00Z","event":"acc`)
    const result = await generate(out, "-n", "8")
    for (const line of readFileSync(`${out}/log.jsonl`, "utf8").split("\n").filter((l) => l !== "")) expect(() => JSON.parse(line)).not.toThrow()
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/cut torn last lines from dataset\.jsonl \(\d+ bytes\)/)
    const all = lines(`${out}/dataset.jsonl`)
    expect(all).toHaveLength(8)
    for (const line of all) expect(() => JSON.parse(line)).not.toThrow()
  })

  it("a damaged line in the middle stops the run, exit 2, nothing changed", async () => {
    const out = newDir()
    await generate(out, "-n", "4")
    const file = `${out}/dataset.jsonl`
    const [first, ...rest] = lines(file)
    writeFileSync(file, [first, "{not json", ...rest].join("\n") + "\n")
    const before = readFileSync(file)
    const result = await generate(out, "-n", "6")
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: .*dataset\.jsonl line 2 is not valid JSON .*; repair or remove that line, nothing was changed$/)
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it("asks again for unusable output, then rejects it with the reason and what the model said", async () => {
    const out = newDir()
    fake.set({ reply: () => ({ content: "Sure! Here is a conversation between a user and an assistant." }) })
    const before = chatCount()
    const result = await generate(out, "-n", "4")
    expect(result.code).toBe(0)
    expect(chatCount() - before).toBe(12) // 3 samples each (generation.max_attempts)
    const rejected = lines(`${out}/rejected.jsonl`).map((l) => JSON.parse(l))
    expect(rejected).toHaveLength(4)
    expect(rejected[0]).toMatchObject({ rejection: { reason: "InvalidJson" }, attempts: 3, provider: "groq", raw: "Sure! Here is a conversation between a user and an assistant." })
    expect(lines(`${out}/dataset.jsonl`)).toHaveLength(0)
    expect(result.stdout).toContain("rejections: InvalidJson 4")
    // rejected items count as done: a rerun does not ask again
    const again = chatCount()
    await generate(out, "-n", "4")
    expect(chatCount()).toBe(again)
  })

  it("a provider failing for good: failures.jsonl, exit 1 and a clear line; a rerun retries them", async () => {
    const out = newDir()
    fake.set({ faults: { serverError: 1 } })
    const result = await generate(out, "-n", "3")
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`error: 3 items failed (Unavailable 3); see ${out}/failures.jsonl and run the same command again to retry them`)
    const failures = lines(`${out}/failures.jsonl`).map((l) => JSON.parse(l))
    expect(failures).toHaveLength(3)
    expect(failures[0]).toMatchObject({ error: { _tag: "ProviderError", provider: "groq", reason: "Unavailable" }, attempts: 2 })
    fake.set({ faults: {} })
    expect((await generate(out, "-n", "3")).code).toBe(0)
    expect(records(out)).toHaveLength(3)
  })

  it("--verbose logs every item as it ends", async () => {
    const out = newDir()
    const result = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "--quiet", "--verbose", "-n", "3"], env))
    expect(result.code).toBe(0)
    expect(result.stderr.split("\n").filter((l) => /^accepted \S+\/v\d\/s0 \(groq, \d+ turns\)$/.test(l))).toHaveLength(3)
  })

  it("--dry-run prints the plan, calls nothing and writes nothing", async () => {
    const out = newDir()
    const before = fake.requests.length
    const result = await generate(out, "-n", "40", "--dry-run")
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^40 work items; about 48 requests and [\d,]+ tokens/m)
    expect(result.stdout).toContain("providers: groq (fake-model)")
    expect(result.stdout).toContain("time: no rate limits configured")
    expect(fake.requests.length).toBe(before)
    expect(existsSync(out)).toBe(false)
  })

  it("refuses a directory holding another configuration's data; --force sets it aside", async () => {
    const out = newDir()
    await generate(out, "-n", "3")
    const before = readFileSync(`${out}/dataset.jsonl`)
    const refused = await generate(out, "-n", "3", "--seed", "7")
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      `error: ${out} holds data generated with another configuration (seed: 42 → 7); resume with the same settings (--seed 42), choose another --output, or add --force to set the old files aside`
    )
    expect(readFileSync(`${out}/dataset.jsonl`).equals(before)).toBe(true)
    const forced = await generate(out, "-n", "3", "--seed", "7", "--force")
    expect(forced.code).toBe(0)
    const aside = readdirSync(out).find((name) => name.startsWith("previous-"))!
    expect(readFileSync(`${out}/${aside}/dataset.jsonl`).equals(before)).toBe(true)
    expect(records(out)).toHaveLength(3)
  })
  it("stops when the only provider has not answered for retry.unreachable_seconds, and resumes later", async () => {
    const out = newDir()
    const down = dir.write("down.yaml", readFileSync(config, "utf8").replace("retry:\n", "retry:\n  unreachable_seconds: 1\n"))
    // Nothing listens on port 9 of the loopback: every connection is refused at once.
    const started = Date.now()
    // Each item fails after its retries; the run goes on until the provider has been silent for 1 s.
    const result = await Effect.runPromise(runCliWith(["generate", "-c", down, "-o", out, "--quiet", "-n", "500"], { GROQ_API_KEY: KEY, GROQ_BASE_URL: "http://127.0.0.1:9" }))
    expect(result.code).toBe(1)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toMatch(/^error: no provider can take requests: groq has not answered for \d+ s \(cannot reach groq at http:\/\/127\.0\.0\.1:9/)
    expect(result.stderr).toContain("check the network and providers.groq.base_url")
    expect(lines(`${out}/dataset.jsonl`)).toHaveLength(0)
    expect(manifest(out)).toMatchObject({ status: "failed", counts: { accepted: 0 } })
    expect(manifest(out).counts.remaining).toBeGreaterThan(0)
    // Back online: the same directory resumes and finishes the job.
    const again = await generate(out, "-n", "6")
    expect(again.code).toBe(0)
    expect(records(out)).toHaveLength(6)
  })

  it("stops at once, in one line naming generation.max_tokens, when the model's context cannot hold a request", async () => {
    const out = newDir()
    fake.set({ contextTokens: 3500 })
    const before = chatCount()
    const result = await generate(out, "-n", "40")
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    expect(result.stderr).toMatch(/^error: no provider can take requests: groq cannot fit the prompt and generation\.max_tokens into fake-model's context \(400: This model's maximum context length is 3500 tokens/)
    expect(result.stderr).toContain("lower generation.max_tokens or use a model (or server setting) with a longer context")
    // At most the requests in flight (concurrency 8) and those sent before the third refusal took the
    // provider out: not one per item.
    expect(chatCount() - before).toBeLessThanOrEqual(8 + CONTEXT_REFUSALS_TO_DROP - 1)
    expect(manifest(out)).toMatchObject({ status: "failed", counts: { accepted: 0 } })
    // With room for the answer, the same directory resumes and finishes the job.
    const roomy = dir.write("roomy.yaml", `${readFileSync(config, "utf8")}  max_tokens: 1500\n`)
    const again = await Effect.runPromise(runCliWith(["generate", "-c", roomy, "-o", out, "--quiet", "-n", "6"], env))
    expect(again.code).toBe(0)
    expect(records(out)).toHaveLength(6)
  })
})

describe("rescore", () => {
  it("re-judges a run with new settings, calling no model, and can bring rejected ones back", async () => {
    const out = newDir()
    await generate(out, "-n", "12")
    const calls = chatCount()
    const strict = await Effect.runPromise(runCliWith(["rescore", out, "-c", config, "--min-quality", "0.999"], env))
    expect(strict.code).toBe(0)
    expect(chatCount()).toBe(calls)
    const kept = lines(`${out}/dataset.jsonl`).length
    const rejected = lines(`${out}/rejected.jsonl`).map((l) => JSON.parse(l))
    expect(kept + rejected.length).toBe(12)
    expect(rejected.length).toBeGreaterThan(0)
    expect(rejected.every((r) => r.rejection.reason === "BelowThreshold" && typeof r.conversation.quality_score === "number")).toBe(true)
    expect(strict.stdout).toContain(`accepted: 12 → ${kept}; rejected: 0 → ${rejected.length} (BelowThreshold ${rejected.length})`)
    const lenient = await Effect.runPromise(runCliWith(["rescore", out, "-c", config, "--min-quality", "0"], env))
    expect(lenient.code).toBe(0)
    const ids = records(out).map((r) => r.id)
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
    expect(lines(`${out}/rejected.jsonl`)).toHaveLength(0)
    expect(chatCount()).toBe(calls)
  })

  it("finishes a rescore that died between its two renames, and discards one that never committed", async () => {
    const out = newDir()
    await generate(out, "-n", "4")
    const dataset = readFileSync(`${out}/dataset.jsonl`, "utf8")
    // died after committing and renaming dataset.jsonl, before rejected.jsonl
    writeFileSync(`${out}/rejected.jsonl.rescore`, "")
    writeFileSync(`${out}/rescore.commit`, "commit")
    expect((await generate(out, "-n", "4")).code).toBe(0)
    expect(existsSync(`${out}/rejected.jsonl.rescore`) || existsSync(`${out}/rescore.commit`)).toBe(false)
    // died before committing: the half-written files go, the data stays
    writeFileSync(`${out}/dataset.jsonl.rescore`, "{\"partial")
    expect((await generate(out, "-n", "4")).code).toBe(0)
    expect(existsSync(`${out}/dataset.jsonl.rescore`)).toBe(false)
    expect(readFileSync(`${out}/dataset.jsonl`, "utf8")).toBe(dataset)
  })

  it("refuses a directory another live process is writing", async () => {
    const out = newDir()
    await generate(out, "-n", "2")
    writeFileSync(`${out}/run.lock`, String(process.ppid))
    const result = await generate(out, "-n", "2")
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`error: another agentic-synth (pid ${process.ppid}) is writing ${out}; wait for it to finish or use another --output`)
    writeFileSync(`${out}/run.lock`, "999999999")
    expect((await generate(out, "-n", "2")).code).toBe(0) // a stale lock is taken over
  })

  it("refuses a directory that holds no run", async () => {
    const result = await Effect.runPromise(runCliWith(["rescore", dir.path("nothing-here"), "-c", config], env))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: .*nothing-here holds no run/)
  })
})

describe("export", () => {
  it("merges shard directories into one file per format, each id once, and says what it skipped", async () => {
    const one = newDir()
    const two = newDir()
    await generate(one, "-n", "12", "--shard", "1/2")
    await generate(two, "-n", "12", "--shard", "2/2")
    for (const format of ["openai", "sharegpt", "hf"]) {
      const out = dir.path(`export-${format}.jsonl`)
      const result = await Effect.runPromise(runCliWith(["export", one, two, one, "--format", format, "--out", out], env))
      expect(result.code).toBe(0)
      const exported = lines(out).map((l) => JSON.parse(l))
      expect(exported).toHaveLength(12)
      expect(result.stdout).toContain(`wrote 12 ${format} records to ${out}`)
      expect(result.stdout).toContain("skipped: 6 duplicate id (already exported from an earlier directory)")
      if (format === "sharegpt") expect(result.stdout).toContain(`"formatting": "sharegpt"`)
      if (format === "hf") expect(exported[0].messages[1].tool_calls?.[0]?.function.arguments ?? {}).toBeTypeOf("object")
      // The shipped catalogue types api_client's body as a list of types and email_client's as one:
      // the hf export, the one meant for table loaders, says so (openai goes to OpenAI's API, sharegpt
      // carries tools as text).
      const kindNote = /note: (?:1 field changes|\d+ fields change) JSON type between records \(.*tools\[\]\.function\.parameters\.properties\.body\.type is string or array/
      if (format === "hf") expect(result.stdout).toMatch(kindNote)
      else expect(result.stdout).not.toMatch(/JSON type between records/)
      if (format === "openai") expect(typeof exported.find((e: any) => e.messages.some((m: any) => m.tool_calls)).messages.find((m: any) => m.tool_calls).tool_calls[0].function.arguments).toBe("string")
    }
    const filtered = await Effect.runPromise(runCliWith(["export", one, "--format", "hf", "--out", dir.path("typed.jsonl"), "--types", "web_research"], env))
    expect(filtered.stdout).toMatch(/skipped: \d+ type not selected \(--types\)/)
  })

  it("--tools-json writes hf tools as one JSON string, and the tool schemas' type changes go with it (with --arguments-json, all of them)", async () => {
    const run = newDir()
    await generate(run, "-n", "12")
    const listed = dir.path("listed.hf.jsonl")
    const stringed = dir.path("stringed.hf.jsonl")
    const before = await Effect.runPromise(runCliWith(["export", run, "--format", "hf", "--out", listed], env))
    expect(before.stdout).toMatch(/tools\[\]\.function\.parameters\.properties\.body\.type is string or array\): export again with --tools-json/)
    const after = await Effect.runPromise(runCliWith(["export", run, "--format", "hf", "--tools-json", "--out", stringed], env))
    expect(after.code).toBe(0)
    expect(after.stdout).not.toMatch(/tools\[\][^ ]* is /)
    const a = lines(listed).map((l) => JSON.parse(l))
    const b = lines(stringed).map((l) => JSON.parse(l))
    expect(b).toHaveLength(12)
    b.forEach((line: any, i: number) => {
      expect(typeof line.tools).toBe("string")
      expect(JSON.parse(line.tools)).toEqual(a[i].tools)
      expect(line.messages).toEqual(a[i].messages)
    })
    const both = dir.path("strings.hf.jsonl")
    const strings = await Effect.runPromise(runCliWith(["export", run, "--format", "hf", "--tools-json", "--arguments-json", "--out", both], env))
    expect(strings.code).toBe(0)
    expect(strings.stdout).not.toMatch(/JSON type between records/)
    const calls = lines(both).flatMap((l) => JSON.parse(l).messages.flatMap((m: any) => m.tool_calls ?? []))
    expect(calls.length).toBeGreaterThan(0)
    const source = a.flatMap((line: any) => line.messages.flatMap((m: any) => m.tool_calls ?? []))
    expect(calls.map((c: any) => JSON.parse(c.function.arguments))).toEqual(source.map((c: any) => c.function.arguments))
  })

  it("refuses an hf-only flag with another format, writing nothing", async () => {
    const run = newDir()
    await generate(run, "-n", "2")
    for (const flag of ["--tools-json", "--arguments-json", "--keep-parallel"]) {
      const out = dir.path(`refused${flag}.jsonl`)
      const result = await Effect.runPromise(runCliWith(["export", run, "--format", "openai", flag, "--out", out], env))
      expect(result.code).toBe(2)
      expect(result.stderr).toBe(`error: ${flag} applies to --format hf only; drop it or export with --format hf`)
      expect(existsSync(out)).toBe(false)
    }
  })

  it("refuses a directory without a dataset, writing nothing", async () => {
    const out = dir.path("never.jsonl")
    const result = await Effect.runPromise(runCliWith(["export", dir.path("nothing"), "--format", "openai", "--out", out], env))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: .*nothing has no dataset\.jsonl; give the run directories generate wrote$/)
    expect(existsSync(out)).toBe(false)
  })
})

describe("the LLM judge", () => {
  const judgeReply = JSON.stringify({
    reasoning: { score: 0.9, rationale: "Each call is preceded by a plan that explains it." },
    completeness: { score: 0.8, rationale: "The answer uses the result's figures." },
    naturalness: { score: 0.7, rationale: "Plausible user, a little terse." }
  })
  const judgeConfig = dir.write(
    "judge.yaml",
    readFileSync(config, "utf8") + `quality:
  judge:
    enabled: true
    provider: huggingface
    model: judge-model
    weight: 0.5
`
  )

  it("reviews each conversation with its own provider, stores its view and reports agreement", async () => {
    const judge = await startFakeProvider({ flavor: "huggingface", key: "hf_judge_key", reply: () => ({ content: judgeReply }) })
    try {
      const out = newDir()
      const result = await Effect.runPromise(runCliWith(
        ["generate", "-c", judgeConfig, "-o", out, "--quiet", "-n", "4", "--provider", "groq"],
        { ...env, HF_TOKEN: "hf_judge_key", HF_BASE_URL: judge.url }
      ))
      expect(result.code).toBe(0)
      const saved = lines(`${out}/dataset.jsonl`).map((l) => JSON.parse(l))
      expect(saved).toHaveLength(4)
      for (const record of saved) {
        expect(record.quality_judge).toMatchObject({ provider: "huggingface", model: "judge-model", reasoning: { score: 0.9 }, naturalness: { score: 0.7 } })
      }
      expect(judge.chatRequests()).toHaveLength(4)
      expect(judge.chatRequests()[0]!.body).toMatchObject({ model: "judge-model", temperature: 0, response_format: { type: "json_object" } })
      expect(judge.violations).toEqual([])
      expect(result.stdout).toMatch(/judge: 4 reviewed, 0 failed; mean \|judge − rules\|: reasoning \d\.\d\d, completeness \d\.\d\d, naturalness \d\.\d\d/)
    } finally {
      await judge.close()
    }
  })

  it("an unusable judge answer leaves the rule-based scores alone and is counted", async () => {
    const judge = await startFakeProvider({ flavor: "huggingface", key: "hf_judge_key", reply: () => ({ content: "Looks fine to me!" }) })
    try {
      const out = newDir()
      const result = await Effect.runPromise(runCliWith(
        ["generate", "-c", judgeConfig, "-o", out, "--quiet", "-n", "3", "--provider", "groq"],
        { ...env, HF_TOKEN: "hf_judge_key", HF_BASE_URL: judge.url }
      ))
      expect(result.code).toBe(0)
      const saved = lines(`${out}/dataset.jsonl`).map((l) => JSON.parse(l))
      expect(saved.every((r) => r.quality_judge === undefined && typeof r.quality_score === "number")).toBe(true)
      expect(result.stdout).toContain("judge: 0 reviewed, 3 failed")
    } finally {
      await judge.close()
    }
  })
})

describe("generate refuses bad input with one line and exit 2", () => {
  const cases: ReadonlyArray<readonly [string, Array<string>, Record<string, string>, RegExp]> = [
    ["--concurrency 0", ["--concurrency", "0"], env, /^error: --concurrency: expected a positive integer, got 0$/],
    ["no provider key", [], { GROQ_BASE_URL: fake.url }, /^error: provider groq is not configured: set GROQ_API_KEY \(free key: console\.groq\.com\/keys\)$/],
    ["--model without --provider", ["--model", "x"], env, /^error: --model and --base-url set one provider's: add --provider NAME/],
    ["--min-quality 2", ["--min-quality", "2"], env, /^error: --min-quality: expected a number from 0 to 1, got 2$/],
    ["--types with a typo", ["--types", "web_reserch"], env, /^error: unknown scenario type "web_reserch" in --types \(did you mean web_research\?\)/]
  ]
  for (const [name, args, environment, message] of cases) {
    it(name, async () => {
      const out = newDir()
      const result = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "--quiet", "-n", "2", ...args], environment))
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stdout).toBe("")
      expect(existsSync(out)).toBe(false)
    })
  }

  it("an output directory that cannot be written", async () => {
    const file = dir.write("plain-file", "x")
    const result = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", `${file}/run`, "--quiet", "-n", "2"], env))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^error: cannot write the run directory: .*plain-file is not a directory; choose another --output$/)
    expect(readFileSync(file, "utf8")).toBe("x")
  })

  it("no provider at all names every variable", async () => {
    const result = await Effect.runPromise(runCliWith(["generate", "-o", newDir(), "--quiet", "-n", "2"], {}))
    expect(result.code).toBe(2)
    expect(result.stderr).toBe("error: no provider is configured: set GROQ_API_KEY (free key: console.groq.com/keys), TOGETHER_API_KEY or HF_TOKEN, or OLLAMA_BASE_URL / OPENAI_BASE_URL for a local server")
  })

})
