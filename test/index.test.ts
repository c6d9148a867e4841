import { NodeContext } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as Lib from "../src/index.js"

it.effect("the public face composes: config and catalogue layers feed the work-item stream", () =>
  Effect.gen(function*() {
    const catalog = yield* Lib.Catalog
    const config = yield* Lib.AppConfig
    const items = yield* Stream.runCollect(
      Lib.workItemStream(catalog, { maxItems: 16, types: [], samplesPerVariation: null, seed: config.generation.seed })
    )
    expect(items.length).toBe(16)
    expect(config.generation.max_items).toBe(5)
  }).pipe(
    Effect.provide(Lib.Catalog.layer.pipe(Layer.provideMerge(Lib.AppConfig.layerTest({ generation: { max_items: 5 } })))),
    Effect.provide(NodeContext.layer)
  ))
