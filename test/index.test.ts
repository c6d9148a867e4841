import { NodeContext } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import * as Lib from "../src/index.js"
import { fakeConversation } from "./support/fakeConversation.js"

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

it.effect("the generation stream runs inside a user's program with the user's own provider layer", () =>
  Effect.gen(function*() {
    const catalog = yield* Lib.Catalog
    const seen: Array<string> = []
    // The README's example: a provider layer of one's own (here: answers computed locally).
    const myProvider = Lib.ChatClient.layerTest((request) => {
      seen.push(String(request.messages[1]?.content).slice(0, 20))
      return {
        choices: [{ message: { role: "assistant", content: fakeConversation(request as unknown as Record<string, unknown>) }, finish_reason: "stop" }],
        usage: { prompt_tokens: 100, completion_tokens: 50 }
      }
    })
    const outcomes = yield* Lib.workItemStream(catalog, { maxItems: 12, types: ["web_research", "data_analysis"], samplesPerVariation: null, seed: 1 }).pipe(
      Lib.generateConversations({ runId: "my-run" }),
      Stream.runCollect,
      Effect.provide(myProvider)
    )
    const all = Chunk.toReadonlyArray(outcomes)
    expect(all).toHaveLength(12)
    expect(all.every((o) => o._tag === "accepted")).toBe(true)
    expect(seen).toHaveLength(12)
    const first = all[0]!
    expect(first._tag === "accepted" && first.conversation.provenance).toMatchObject({ run_id: "my-run", provider: "test" })
  }).pipe(
    Effect.provide(Lib.Catalog.layer.pipe(Layer.provideMerge(Lib.AppConfig.layerTest({})))),
    Effect.provide(NodeContext.layer)
  ))
