import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { QuotaStore } from "../../src/provider/QuotaStore.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const entry = { provider: "groq", model: "llama-3.3-70b-versatile", until: 1_795_000_000_000, message: "daily tokens budget used up" }

describe("the quota store file", () => {
  it.effect("round-trips exhausted providers through a JSON file", () =>
    Effect.gen(function*() {
      const path = dir.path("providers.json")
      const store = yield* QuotaStore
      expect(yield* store.load).toEqual([])
      yield* store.save([entry])
      expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ exhausted: [entry] })
      expect(yield* store.load).toEqual([entry])
    }).pipe(Effect.provide(QuotaStore.layerFile(dir.path("providers.json"))), Effect.provide(NodeContext.layer)))

  it.effect("a damaged file counts as nothing exhausted", () =>
    Effect.gen(function*() {
      writeFileSync(dir.path("bad.json"), "{not json")
      const store = yield* QuotaStore
      expect(yield* store.load).toEqual([])
    }).pipe(Effect.provide(QuotaStore.layerFile(dir.path("bad.json"))), Effect.provide(NodeContext.layer)))
})
