/**
 * Where a conversation's time goes: each stage of the pipeline run alone over the same conversations
 * (prompt, the instant provider, parse, validate, score, dedup, record line), in microseconds per
 * conversation, with no Effect runtime and no writing. A diagnostic beside `npm run bench`, not one of
 * its figures: `npx tsc -p tsconfig.bench.json && node .bench/bench/stages.js [N]` (default 20,000; the
 * second of two rounds is printed, the first warms the JIT).
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Either, Layer } from "effect"
import { Catalog } from "../src/catalog/Catalog.js"
import { workItems } from "../src/catalog/workItems.js"
import { AppConfig } from "../src/config/AppConfig.js"
import type { ToolDefinition } from "../src/domain/Tool.js"
import { conversationOf } from "../src/generate/Generator.js"
import { parseConversation } from "../src/generate/parse.js"
import { buildRequest } from "../src/generate/prompt.js"
import { validateConversation } from "../src/generate/validate.js"
import { makeJudge } from "../src/quality/Scorer.js"
import { recordLine } from "../src/sink/OutcomeWriter.js"
import { instantReply } from "./instantProvider.js"

const n = Number(process.argv[2] ?? 20_000)

const program = Effect.gen(function*() {
  const catalog = yield* Catalog
  const config = yield* AppConfig
  const items = [...workItems(catalog, { maxItems: n, types: [], samplesPerVariation: null, seed: 42 })]
  // As the generator holds them: one tools array and one validator map per scenario.
  const perScenario = new Map<string, { tools: ReadonlyArray<ToolDefinition>; validators: Map<string, NonNullable<ReturnType<typeof catalog.validators.get>>> }>()
  const toolsOf = (item: (typeof items)[number]) => {
    const key = `${item.scenario.type}/${item.scenario.id}`
    let found = perScenario.get(key)
    if (found === undefined) {
      found = {
        tools: item.scenario.tools.map((name) => catalog.tools.get(name)!),
        validators: new Map(item.scenario.tools.map((name) => [name, catalog.validators.get(name)!] as const))
      }
      perScenario.set(key, found)
    }
    return found
  }
  let spent: Record<string, number> = {}
  const time = <A>(stage: string, f: () => A): A => {
    const start = performance.now()
    const result = f()
    spent[stage] = (spent[stage] ?? 0) + performance.now() - start
    return result
  }
  for (let round = 0; round < 2; round++) {
    spent = {}
    const judge = makeJudge(config.quality, catalog)
    judge.reserve(n)
    for (const item of items) {
      const { tools, validators } = toolsOf(item)
      const request = time("prompt", () => buildRequest(item, tools, { temperature: 0.9, maxTokens: 3000, attempt: 0 }))
      const content = time("instant provider", () => instantReply(request))
      const turns = time("parse", () => Either.getOrThrow(parseConversation(content, "stop")))
      time("validate", () => validateConversation(turns, validators))
      const conversation = conversationOf(item, tools, turns, { provider: "instant", model: "instant", runId: "stages", createdAt: new Date().toISOString(), usage: { prompt_tokens: 1500, completion_tokens: 400 } })
      const reviewed = time("review (patterns, complexity, five scores, dedup keys)", () => judge.review(conversation))
      const judged = time("decide (threshold, dedup lookup and insert, quotas)", () => judge.decide(reviewed.conversation, reviewed.keys))
      time("record line", () => recordLine(judged.conversation))
    }
  }
  let total = 0
  for (const [stage, ms] of Object.entries(spent)) {
    total += ms
    console.log(`${((1000 * ms) / n).toFixed(1).padStart(7)} µs  ${stage}`)
  }
  console.log(`${((1000 * total) / n).toFixed(1).padStart(7)} µs  all stages (${Math.round((1000 * n) / total)} conversations/s on one core, before the runtime, writing and GC between stages)`)
})

await Effect.runPromise(program.pipe(Effect.provide(Catalog.layer.pipe(Layer.provideMerge(AppConfig.layerTest({})), Layer.provideMerge(NodeContext.layer)))))
