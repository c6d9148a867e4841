import { afterAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { runCliWith } from "../support/cli.js"
import { startFakeProvider } from "../support/fakeProvider.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const KEY = "gsk_validate_9Kq2Lm5Pz8"
const groq = await startFakeProvider({ flavor: "groq", key: KEY, tpm: 18_000, models: ["fake-model", "llama-3.1-8b-instant"] })
const hf = await startFakeProvider({ flavor: "huggingface", key: "hf_right" })
afterAll(async () => {
  expect(groq.violations).toEqual([])
  expect(hf.violations).toEqual([])
  await groq.close()
  await hf.close()
})

const run = (env: Record<string, string>) =>
  Effect.runPromise(runCliWith(["validate", "--online"], { AGENTIC_SYNTH_OUTPUT: dir.path("run"), ...env }))

describe("validate --online", () => {
  it("calls each selected provider and reports what its headers say", async () => {
    const result = await run({ GROQ_API_KEY: KEY, GROQ_BASE_URL: groq.url, GROQ_MODEL: "fake-model" })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /✔\s+groq online\s+key accepted, model listed, answered in \d+ ms; requests today: \d+\/14400 left, tokens this minute: \d+\/18000 left/
    )
    expect(result.stdout).not.toContain(KEY)
    const completion = groq.chatRequests().at(-1)!
    expect(completion.body).toMatchObject({ model: "fake-model", max_tokens: 1 })
  })

  it("a refused key is fatal, named, and not retried", async () => {
    const before = hf.requests.length
    const result = await run({ HF_TOKEN: "hf_wrong_token_123", HF_BASE_URL: hf.url, HF_MODEL: "fake-model" })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✘\s+huggingface online\s+fatal: key refused \(401 on \/models\)\s+check HF_TOKEN/)
    expect(hf.requests.length - before).toBe(1)
    expect(result.stdout + result.stderr).not.toContain("hf_wrong_token_123")
  })

  it("a provider that never answers is reported within 10 s", async () => {
    const silent = await startFakeProvider({ flavor: "groq", faults: { hang: 1 } })
    const started = Date.now()
    const result = await run({ GROQ_API_KEY: KEY, GROQ_BASE_URL: silent.url, GROQ_MODEL: "fake-model" })
    await silent.close()
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✘\s+groq online\s+groq did not answer within 6 s/)
  })

  it("an unknown model is fatal and names some that exist", async () => {
    const result = await run({ GROQ_API_KEY: KEY, GROQ_BASE_URL: groq.url })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✘\s+groq online\s+fatal: model openai\/gpt-oss-120b not found \(2 listed, e\.g\. fake-model, llama-3\.1-8b-instant\)\s+set providers\.groq\.model \(or GROQ_MODEL\) to one listed/)
  })
})
