import { describe, expect, it } from "vitest"
import { readdirSync, readFileSync } from "node:fs"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { Conversation } from "../../src/domain/Conversation.js"
import { dedupKeys } from "../../src/quality/Dedup.js"
import { makeJudge } from "../../src/quality/Scorer.js"

const fixture = (name: string): Conversation => JSON.parse(readFileSync(`test/fixtures/calibration/${name}.json`, "utf8")).record
const good = fixture("good-cd-vat-keyerror")
const other = fixture("good-ai-delayed-shipments")
const settings = DEFAULT_CONFIG.quality

describe("the judge", () => {
  it("scores, then applies the threshold with the weakest dimension named", () => {
    const { judge } = makeJudge({ ...settings, min_score: 0.99 }, undefined)
    const { conversation, rejection } = judge(fixture("flawed-unanswered-vat-keyerror"))
    expect(conversation.quality_score).toBeLessThan(0.99)
    expect(rejection).toMatchObject({ reason: "BelowThreshold", score: conversation.quality_score })
    expect(rejection?.message).toMatch(/^quality 0\.\d{3} is below the minimum 0\.99 \(weakest: structure 0\.\d\d\)$/)
  })

  it("keeps the first of two copies and names it", () => {
    const { judge } = makeJudge(settings, undefined)
    expect(judge(good).rejection).toBeUndefined()
    expect(judge({ ...good, id: "code_debugging/invoice-vat-keyerror/v2/s9" }).rejection).toMatchObject({ reason: "Duplicate", duplicate_of: good.id })
    const off = makeJudge({ ...settings, dedup: false }, undefined)
    off.judge(good)
    expect(off.judge({ ...good, id: "again" }).rejection).toBeUndefined()
  })

  it("remembers what a resumed run already kept, for dedup and quotas", () => {
    const { judge, remember } = makeJudge({ ...settings, quotas: { per_type: 1, per_complexity: { low: null, medium: null, high: null } } }, undefined)
    remember(good)
    expect(judge({ ...good, id: "x" }).rejection?.reason).toBe("Duplicate")
    const sameType: Conversation = { ...other, id: "code_debugging/other/v1/s0", scenario: { ...other.scenario, type: "code_debugging" } }
    expect(judge(sameType).rejection).toMatchObject({ reason: "OverQuota", message: "the quota of 1 code_debugging conversations is full" })
    expect(judge(other).rejection).toBeUndefined()
  })

  it("caps each complexity level", () => {
    const { judge } = makeJudge({ ...settings, dedup: false, quotas: { per_type: null, per_complexity: { low: null, medium: 1, high: null } } }, undefined)
    const first = judge(good)
    expect(first.conversation.complexity).toBe("medium")
    expect(judge({ ...good, id: "y" }).rejection).toMatchObject({ reason: "OverQuota", message: "the quota of 1 medium-complexity conversations is full" })
  })
})

describe("a review's dedup keys", () => {
  it("are the keys computed from the record alone (what resume and dataset.keys hold), for every calibration record", () => {
    const judge = makeJudge(settings, undefined)
    const names = readdirSync("test/fixtures/calibration").filter((f) => f.endsWith(".json"))
    expect(names.length).toBeGreaterThan(30)
    for (const name of names) {
      const record = fixture(name.replace(/\.json$/, ""))
      const reviewed = judge.review(record)
      expect(reviewed.keys, name).toEqual(dedupKeys(record))
      expect(reviewed.conversation, name).toEqual(judge.assess(record))
    }
  })

  it("are left out when dedup is off", () => {
    expect(makeJudge({ ...settings, dedup: false }, undefined).review(good).keys).toBeUndefined()
  })
})
