import type { ValidateFunction } from "ajv"
import { Context, Effect, Layer } from "effect"
import { Catalog, type CatalogData } from "../catalog/Catalog.js"
import { makeAjv } from "../catalog/toolSchemas.js"
import { AppConfig } from "../config/AppConfig.js"
import type { QualitySettings } from "../config/ConfigSchema.js"
import type { Conversation } from "../domain/Conversation.js"
import type { Rejection } from "../domain/Outcome.js"
import type { Variation } from "../domain/Scenario.js"
import { complexityFeatures, complexityOf } from "./complexity.js"
import { DedupIndex, signature } from "./Dedup.js"
import { detectPatterns } from "./patterns.js"
import { scoreConversation } from "./score.js"
import { trace } from "./trace.js"

/** A judged conversation: with its scores, patterns and complexity, and the reason it is not kept, if any. */
export interface Judgement {
  readonly conversation: Conversation
  readonly rejection?: Rejection | undefined
}

/** Scores, patterns and complexity of one conversation, with nothing about the rest of the dataset. */
export const makeAssessor = (settings: QualitySettings, catalog: CatalogData | undefined) => {
  const ajv = makeAjv()
  const compiled = new Map<string, ValidateFunction>()
  const validatorsFor = (conversation: Conversation): ReadonlyMap<string, ValidateFunction> => {
    const out = new Map<string, ValidateFunction>()
    for (const tool of conversation.tools) {
      const key = `${tool.function.name}:${JSON.stringify(tool.function.parameters)}`
      let validate = compiled.get(key)
      if (validate === undefined) {
        validate = catalog?.validators.get(tool.function.name)
        if (validate === undefined || JSON.stringify(catalog?.tools.get(tool.function.name)?.function.parameters) !== JSON.stringify(tool.function.parameters)) {
          try {
            validate = ajv.compile(tool.function.parameters)
          } catch {
            validate = undefined
          }
        }
        if (validate !== undefined) compiled.set(key, validate)
      }
      if (validate !== undefined) out.set(tool.function.name, validate)
    }
    return out
  }
  const variationOf = (conversation: Conversation): Variation | undefined =>
    catalog?.scenarios.find((s) => s.type === conversation.scenario.type && s.id === conversation.scenario.id)?.variations[conversation.scenario.variation - 1]

  return (conversation: Conversation): Conversation => {
    const t = trace(conversation.turns)
    const { quality, quality_score } = scoreConversation(t, validatorsFor(conversation), variationOf(conversation), settings.weights)
    return {
      ...conversation,
      agentic_patterns: detectPatterns(t),
      complexity: complexityOf(complexityFeatures(t), settings.complexity),
      quality_score,
      quality
    }
  }
}

/**
 * Judges conversations in order: score, then the threshold, then deduplication against every
 * conversation kept so far (exact and near copies), so a dataset keeps the first of a set of copies.
 */
export const makeJudge = (settings: QualitySettings, catalog: CatalogData | undefined) => {
  const assess = makeAssessor(settings, catalog)
  const index = new DedupIndex(settings.dedup_threshold)
  const judge = (conversation: Conversation): Judgement => {
    const scored = assess(conversation)
    const score = scored.quality_score!
    if (score < settings.min_score) {
      const [weakest, value] = Object.entries(scored.quality!).sort((a, b) => a[1] - b[1])[0]!
      return {
        conversation: scored,
        rejection: {
          reason: "BelowThreshold",
          score,
          message: `quality ${score.toFixed(3)} is below the minimum ${settings.min_score} (weakest: ${weakest} ${value.toFixed(2)})`
        }
      }
    }
    if (settings.dedup) {
      const sig = signature(scored)
      const copyOf = index.find(scored, sig)
      if (copyOf !== undefined) {
        return { conversation: scored, rejection: { reason: "Duplicate", duplicate_of: copyOf, message: `a copy of ${copyOf}` } }
      }
      index.add(scored, sig)
    }
    return { conversation: scored }
  }
  /** Adds an already kept conversation to the dedup index (resume, rescore). */
  const remember = (conversation: Conversation) => {
    if (settings.dedup) index.add(conversation)
  }
  return { judge, remember, assess }
}

/**
 * The quality stage's hook in the pipeline: given a validated conversation, return it with its scores,
 * patterns and complexity, and the reason it is not kept (below threshold, a duplicate), if any.
 */
export class Scorer extends Context.Tag("agentic-synth/Scorer")<Scorer, {
  readonly judge: (conversation: Conversation) => Effect.Effect<Judgement>
  /** Adds a conversation already in the dataset to the dedup index, so a resumed run still finds its copies. */
  readonly remember: (conversation: Conversation) => Effect.Effect<void>
}>() {
  /** Rule-based scoring from `quality` settings; variations' intents come from the catalogue. */
  static readonly layer = Layer.effect(
    Scorer,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const catalog = yield* Catalog
      const { judge, remember } = makeJudge(config.quality, catalog)
      return {
        judge: (conversation) => Effect.sync(() => judge(conversation)),
        remember: (conversation) => Effect.sync(() => remember(conversation))
      }
    })
  )

  /** Keeps every validated conversation and adds no score: nothing claims a score it did not compute. */
  static readonly layerNone = Layer.succeed(Scorer, {
    judge: (conversation) => Effect.succeed({ conversation }),
    remember: () => Effect.void
  })
}
