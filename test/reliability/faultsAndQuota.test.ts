import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { runCliWith } from "../support/cli.js"
import { fakeConversation } from "../support/fakeConversation.js"
import { startFakeProvider } from "../support/fakeProvider.js"
import { fastConfig, jsonlLines } from "../support/runFixture.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const reply = (body: Record<string, unknown>) => ({ content: fakeConversation(body) })

describe("a fault storm", () => {
  it("ends every item accepted, rejected or failed with a typed reason, and the counts add up", async () => {
    const storm = await startFakeProvider({
      flavor: "groq",
      seed: 7,
      latencyMs: [5, 40],
      reply,
      faults: { serverError: 0.2, rateLimit: 0.1, hang: 0.05, truncated: 0.05, badContent: 0.1 }
    })
    try {
      const config = dir.write("storm.yaml", fastConfig())
      const out = dir.path("storm")
      const result = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "-n", "40", "--quiet"], { GROQ_API_KEY: "gsk_storm", GROQ_BASE_URL: storm.url }))
      expect([0, 1]).toContain(result.code)
      const manifest = JSON.parse(readFileSync(`${out}/run.json`, "utf8"))
      const c = manifest.counts
      expect(manifest.status).toBe("finished")
      expect(c.remaining).toBe(0)
      expect(c.skipped + c.accepted + c.rejected + c.failed).toBe(c.planned)
      expect(c.planned).toBe(40)
      const accepted = jsonlLines(`${out}/dataset.jsonl`)
      const rejected = jsonlLines(`${out}/rejected.jsonl`).map((l) => JSON.parse(l))
      const failed = jsonlLines(`${out}/failures.jsonl`).map((l) => JSON.parse(l))
      expect(accepted.length + rejected.length + failed.length).toBe(40)
      expect(rejected.every((r) => typeof r.rejection.reason === "string" && r.rejection.reason.length > 0)).toBe(true)
      expect(failed.every((f) => f.error._tag === "ProviderError" && ["Unavailable", "Timeout", "InvalidResponse", "RateLimited"].includes(f.error.reason))).toBe(true)
      expect((storm.counts["500"] ?? 0) + (storm.counts["502"] ?? 0) + (storm.counts["503"] ?? 0)).toBeGreaterThan(0)
      expect(storm.violations).toEqual([])
    } finally {
      await storm.close()
    }
  }, 60_000)
})

describe("a daily quota running out mid-run", () => {
  for (const [name, flavor] of [["Groq's per-day 429", "groq"], ["Hugging Face's 402", "huggingface"]] as const) {
    it(`${name}: not one more request reaches it, the pool finishes, a resumed run still sends it nothing`, async () => {
      const spent = await startFakeProvider({ flavor, dayRequests: 6, dailyLimit: "tokens", latencyMs: [5, 20], reply })
      const other = await startFakeProvider({ flavor: flavor === "groq" ? "huggingface" : "groq", latencyMs: [5, 20], reply })
      try {
        // the spent provider must get a share of the work: the other (groq, when it is not the spent one) is kept narrow
        const config = dir.write(`quota-${flavor}.yaml`, fastConfig("", flavor === "groq" ? 8 : 2))
        const groqUrl = flavor === "groq" ? spent.url : other.url
        const hfUrl = flavor === "groq" ? other.url : spent.url
        const env = { GROQ_API_KEY: "gsk_quota", GROQ_BASE_URL: groqUrl, HF_TOKEN: "hf_quota", HF_BASE_URL: hfUrl }
        const out = dir.path(`quota-${flavor}`)
        const first = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "-n", "30", "--quiet"], env))
        expect(first.code).toBe(0)
        const refused = spent.chatRequests().filter((r) => r.status === 429 || r.status === 402)
        expect(refused.length).toBeGreaterThanOrEqual(1)
        // only requests already in flight when the first refusal came back (at most max_concurrency)
        expect(refused.length).toBeLessThanOrEqual(8)
        const firstRefusal = Math.min(...refused.map((r) => r.at))
        expect(spent.chatRequests().filter((r) => r.at > firstRefusal + 1000)).toHaveLength(0)
        expect(jsonlLines(`${out}/dataset.jsonl`).length + jsonlLines(`${out}/rejected.jsonl`).length).toBe(30)
        expect(JSON.parse(readFileSync(`${out}/providers.json`, "utf8")).exhausted[0]).toMatchObject({ provider: flavor })
        const before = spent.chatRequests().length
        const resumed = await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", out, "-n", "40", "--quiet"], env))
        expect(resumed.code).toBe(0)
        expect(spent.chatRequests().length).toBe(before)
        expect(jsonlLines(`${out}/dataset.jsonl`).length + jsonlLines(`${out}/rejected.jsonl`).length).toBe(40)
      } finally {
        await spent.close()
        await other.close()
      }
    }, 60_000)
  }
})


