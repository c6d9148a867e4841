import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { AgenticPattern, Conversation, QualityScores } from "../../src/domain/Conversation.js"
import { DedupIndex } from "../../src/quality/Dedup.js"
import { makeAssessor } from "../../src/quality/Scorer.js"
import { loadFrom } from "../support/catalogFixtures.js"

/** Hand-labelled conversations (test/fixtures/calibration): good ones, and copies with one named defect. */
interface Fixture {
  readonly name: string
  readonly label: "good" | "flawed"
  readonly defect: string | null
  readonly dimension: keyof QualityScores | null
  readonly near_copy_of: string | null
  readonly patterns_present: ReadonlyArray<AgenticPattern>
  readonly patterns_absent: ReadonlyArray<AgenticPattern>
  readonly record: Conversation
}

const dir = "test/fixtures/calibration"
const fixtures: ReadonlyArray<Fixture> = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(`${dir}/${f}`, "utf8")) }))
const catalog = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))
const assess = makeAssessor(DEFAULT_CONFIG.quality, catalog)
const scored = new Map(fixtures.map((f) => [f.name, assess(f.record)]))
const goods = fixtures.filter((f) => f.label === "good")
const flawed = fixtures.filter((f) => f.label === "flawed")

/** The good fixture a flawed one was made from: same name after the defect prefix. */
const sourceOf = (f: Fixture): Fixture => {
  const suffix = f.name.replace(/^flawed-(?:placeholder|contradict|unanswered|repeated|boilerplate|empty-plan|hallucinated|near-copy)-/, "")
  const source = goods.find((g) => g.name.endsWith(`-${suffix}`))
  if (source === undefined) throw new Error(`no source for ${f.name}`)
  return source
}

describe("calibration set", () => {
  it("has at least 30 labelled conversations over all 8 types, each defect named", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30)
    expect(new Set(goods.map((g) => g.record.scenario.type)).size).toBe(8)
    expect(new Set(flawed.map((f) => f.defect))).toEqual(
      new Set(["placeholder_arguments", "contradicting_answer", "unanswered_call", "repeated_call", "boilerplate", "empty_plan", "hallucinated_figure", "near_copy"])
    )
  })

  it("every good conversation outranks every flawed one of the same scenario", () => {
    for (const bad of flawed.filter((f) => f.defect !== "near_copy")) {
      for (const good of goods.filter((g) => g.record.scenario.id === bad.record.scenario.id)) {
        expect(scored.get(good.name)!.quality_score!, `${good.name} vs ${bad.name}`).toBeGreaterThan(scored.get(bad.name)!.quality_score!)
      }
    }
  })

  it("each defect lowers the dimension it belongs to", () => {
    for (const bad of flawed.filter((f) => f.dimension !== null)) {
      const good = sourceOf(bad)
      const dimension = bad.dimension!
      expect(scored.get(bad.name)!.quality![dimension], `${bad.name}: ${dimension}`).toBeLessThan(scored.get(good.name)!.quality![dimension])
    }
  })

  it("good conversations clear the default threshold", () => {
    for (const good of goods) expect(scored.get(good.name)!.quality_score!, good.name).toBeGreaterThanOrEqual(DEFAULT_CONFIG.quality.min_score)
  })

  it("detects each pattern where it is present and not where it is absent", () => {
    for (const f of fixtures) {
      const found = scored.get(f.name)!.agentic_patterns!
      for (const p of f.patterns_present) expect(found, `${f.name} should show ${p}`).toContain(p)
      for (const p of f.patterns_absent) expect(found, `${f.name} should not show ${p}`).not.toContain(p)
    }
  })

  it("dedup catches the near-copies and none of the distinct conversations", () => {
    const index = new DedupIndex(DEFAULT_CONFIG.quality.dedup_threshold)
    for (const good of goods) {
      expect(index.find(good.record), `${good.name} is distinct`).toBeUndefined()
      index.add(good.record)
    }
    for (const copy of flawed.filter((f) => f.defect === "near_copy")) {
      expect(index.find(copy.record), copy.name).toBe(fixtures.find((f) => f.name === copy.near_copy_of)!.record.id)
    }
  })
})
