/**
 * What a second thread would take off the main one in the thread-split probe (threadSplit.ts): from
 * a reply's text to the record's line, with its score and dedup keys — parse, validate, review and
 * the record line, as the pipeline does them.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import type { ValidateFunction } from "ajv"
import { Effect, Either, Layer } from "effect"
import { Catalog, type CatalogData } from "../src/catalog/Catalog.js"
import { AppConfig } from "../src/config/AppConfig.js"
import type { ToolDefinition } from "../src/domain/Tool.js"
import { parseConversation } from "../src/generate/parse.js"
import { conversationOf } from "../src/generate/Generator.js"
import { validateConversation } from "../src/generate/validate.js"
import type { DedupKeys } from "../src/quality/Dedup.js"
import { makeJudge } from "../src/quality/Scorer.js"
import { recordLine } from "../src/sink/OutcomeWriter.js"

/** One item as it crosses to the thread: id, type, scenario id, variation, sample, seed, reply text. */
export type Job = readonly [string, string, string, number, number, number, string]

/** What comes back: enough for the main thread to decide (threshold, dedup) and write the line. */
export type Done =
  | { readonly id: string; readonly rejected: string }
  | { readonly id: string; readonly score: number; readonly keys: DedupKeys | undefined; readonly line: string }

export const loadSettings = () =>
  Effect.runPromise(Effect.gen(function*() {
    return { catalog: yield* Catalog, config: yield* AppConfig }
  }).pipe(Effect.provide(Catalog.layer.pipe(Layer.provideMerge(AppConfig.layerTest({})), Layer.provideMerge(NodeContext.layer)))))

export const makeWork = (catalog: CatalogData, config: AppConfig["Type"]) => {
  const judge = makeJudge(config.quality, catalog)
  const perScenario = new Map<string, { scenario: CatalogData["scenarios"][number]; tools: ReadonlyArray<ToolDefinition>; validators: ReadonlyMap<string, ValidateFunction> }>()
  const scenarioOf = (type: string, id: string) => {
    const key = `${type}/${id}`
    let found = perScenario.get(key)
    if (found === undefined) {
      const scenario = catalog.scenarios.find((s) => s.type === type && s.id === id)!
      found = {
        scenario,
        tools: scenario.tools.map((name) => catalog.tools.get(name)!),
        validators: new Map(scenario.tools.map((name) => [name, catalog.validators.get(name)!] as const))
      }
      perScenario.set(key, found)
    }
    return found
  }
  return ([id, type, scenarioId, variation, sample, seed, content]: Job): Done => {
    const { scenario, tools, validators } = scenarioOf(type, scenarioId)
    const parsed = Either.flatMap(parseConversation(content, "stop"), (turns) => Either.map(validateConversation(turns, validators), () => turns))
    if (Either.isLeft(parsed)) return { id, rejected: parsed.left.reason }
    const item = { id, scenario, variation, sample, seed }
    const conversation = conversationOf(item, tools, parsed.right, { provider: "instant", model: "instant", runId: "thread-split", createdAt: new Date().toISOString(), usage: { prompt_tokens: 1500, completion_tokens: 400 } })
    const reviewed = judge.review(conversation)
    return { id, score: reviewed.conversation.quality_score!, keys: reviewed.keys, line: recordLine(reviewed.conversation) }
  }
}
