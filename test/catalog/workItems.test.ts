import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import type { CatalogData } from "../../src/catalog/Catalog.js"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import { type PlanOptions, selectTypes, workItemIds, workItems, workItemStream } from "../../src/catalog/workItems.js"
import type { WorkItem } from "../../src/domain/WorkItem.js"
import { loadFrom } from "../support/catalogFixtures.js"

const catalog: CatalogData = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))

const plan = (options: Partial<PlanOptions> = {}): Array<WorkItem> =>
  [...workItems(catalog, { maxItems: 50, types: [], samplesPerVariation: null, seed: 42, ...options })]

const countBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string) => {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return counts
}

describe("work items", () => {
  it("are deterministic: the same options give the same items and seeds", () => {
    const a = plan({ maxItems: 300 })
    const b = plan({ maxItems: 300 })
    expect(a.map((i) => [i.id, i.seed])).toEqual(b.map((i) => [i.id, i.seed]))
    expect(new Set(a.map((i) => i.seed)).size).toBeGreaterThan(295) // seeds differ per item
    expect(plan({ seed: 7 }).map((i) => i.seed)).not.toEqual(plan({ seed: 42 }).map((i) => i.seed))
    expect(plan({ seed: 7 }).map((i) => i.id)).toEqual(plan({ seed: 42 }).map((i) => i.id))
  })

  it("have ids <type>/<scenario>/v<variation>/s<sample> and no id twice", () => {
    const items = plan({ maxItems: 1000 })
    for (const item of items) {
      expect(item.id).toBe(`${item.scenario.type}/${item.scenario.id}/v${item.variation}/s${item.sample}`)
    }
    expect(new Set(items.map((i) => i.id)).size).toBe(1000)
  })

  it("round-robin over the types: 50 items cover all 8, within one of each other", () => {
    const counts = countBy(plan({ maxItems: 50 }), (i) => i.scenario.type)
    expect(counts.size).toBe(8)
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1)
    expect(plan({ maxItems: 8 }).map((i) => i.scenario.type)).toEqual(catalog.types)
  })

  it("touch many scenarios and every variation kind early", () => {
    const items = plan({ maxItems: 24, types: ["tool_usage"] })
    expect(new Set(items.slice(0, 8).map((i) => i.scenario.id)).size).toBe(8)
    expect(new Set(items.slice(0, 3).map((i) => i.variation))).toEqual(new Set([1, 2, 3]))
    // the first 24 items of a type are its 24 variations, each once
    expect(new Set(items.map((i) => `${i.scenario.id}/v${i.variation}`)).size).toBe(24)
    expect(items.every((i) => i.sample === 0)).toBe(true)
  })

  it("take further samples only when every variation has one", () => {
    const items = plan({ maxItems: 192 * 2 + 10 })
    const firstRepeat = items.findIndex((i) => i.sample === 1)
    expect(firstRepeat).toBe(192)
    expect(countBy(items, (i) => String(i.sample))).toEqual(new Map([["0", 192], ["1", 192], ["2", 10]]))
  })

  it("stop at samples_per_variation even when max_items asks for more", () => {
    expect(plan({ maxItems: 10_000, samplesPerVariation: 2 })).toHaveLength(384)
    expect(plan({ maxItems: 10_000, samplesPerVariation: 1, types: ["web_research", "code_debugging"] })).toHaveLength(48)
  })

  it("keep only the selected types", () => {
    const items = plan({ maxItems: 40, types: ["data_analysis", "web_research"] })
    expect(new Set(items.map((i) => i.scenario.type))).toEqual(new Set(["data_analysis", "web_research"]))
    expect(countBy(items, (i) => i.scenario.type)).toEqual(new Map([["data_analysis", 20], ["web_research", 20]]))
  })

  it("shards partition the job exactly, balanced", () => {
    for (const count of [1, 2, 3, 4, 7]) {
      const whole = plan({ maxItems: 101 }).map((i) => i.id)
      const shards = Array.from({ length: count }, (_, k) => plan({ maxItems: 101, shard: { index: k + 1, count } }).map((i) => i.id))
      expect(shards.flat().sort()).toEqual([...whole].sort())
      expect(new Set(shards.flat()).size).toBe(101)
      const sizes = shards.map((s) => s.length)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    }
  })

  it("are lazy: a huge job yields its first items at once", () => {
    const iterator = workItems(catalog, { maxItems: 1e12, types: [], samplesPerVariation: null, seed: 1 })
    const first = iterator.next()
    expect(first.done).toBe(false)
  })

  it.effect("stream the same items, afresh on each run", () =>
    Effect.gen(function*() {
      const stream = workItemStream(catalog, { maxItems: 30, types: [], samplesPerVariation: null, seed: 42 })
      const once = Chunk.toArray(yield* Stream.runCollect(stream)).map((i) => i.id)
      const twice = Chunk.toArray(yield* Stream.runCollect(stream)).map((i) => i.id)
      expect(once).toEqual(plan({ maxItems: 30 }).map((i) => i.id))
      expect(twice).toEqual(once)
    }))

  it("ids alone are the items' ids, and `from` passes over the first items, sharded or not", () => {
    for (const shard of [undefined, { index: 2, count: 3 }]) {
      const options = { maxItems: 500, types: [], samplesPerVariation: null, seed: 42, shard }
      const whole = [...workItems(catalog, options)]
      expect([...workItemIds(catalog, options)]).toEqual(whole.map((i) => i.id))
      for (const from of [0, 1, 37, whole.length - 1, whole.length, whole.length + 5]) {
        expect([...workItems(catalog, options, from)]).toEqual(whole.slice(from))
      }
    }
  })

  it.effect("the stream from an offset is the rest of the plan", () =>
    Effect.gen(function*() {
      const options = { maxItems: 30, types: [], samplesPerVariation: null, seed: 42 }
      const rest = Chunk.toArray(yield* Stream.runCollect(workItemStream(catalog, options, 12)))
      expect(rest).toEqual(plan({ maxItems: 30 }).slice(12))
    }))

  it.effect("an unknown type is refused with a guess and the choices", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(selectTypes(catalog, ["tool_usage", "web_reserch"], "--types"))
      expect(error.reason).toBe("UnknownType")
      expect(error.message).toBe(
        `unknown scenario type "web_reserch" in --types (did you mean web_research?); choose from: ${catalog.types.join(", ")}`
      )
      expect(yield* selectTypes(catalog, [], "--types")).toEqual(catalog.types)
    }))
})
