import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { Clock, Context, Effect, Either, Layer, Option, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import type { ConfigError } from "../domain/ConfigError.js"
import { type Conversation, JudgeView, type QualityScores } from "../domain/Conversation.js"
import { extractJson } from "../generate/parse.js"
import type { ChatRequest } from "../provider/ChatRequest.js"
import { limiterFor } from "../provider/Limiter.js"
import { makePool } from "../provider/ProviderPool.js"
import { selectEndpoints } from "../provider/selectEndpoints.js"

/** The dimensions a judge sees better than rules can. */
export const FUZZY = ["reasoning", "completeness", "naturalness"] as const

export interface JudgeStats {
  readonly reviewed: number
  readonly failed: number
  /** Mean |judge − rules| per fuzzy dimension over the reviewed conversations: how far they agree. */
  readonly meanAbsDiff: Readonly<Record<(typeof FUZZY)[number], number>>
}

const RUBRIC = `You review synthetic training conversations in which an AI assistant plans, reasons and calls tools. Score three dimensions from 0 to 1 and give a one-sentence rationale for each.
- reasoning: do the assistant's plans and explanations actually lead to the calls it makes, step by step? 1 = clear, relevant reasoning before each action; 0 = none or unrelated.
- completeness: does the final answer address the user's goal, grounded in the tool results (no invented figures or names, no contradiction of a result)? 1 = fully; 0 = misses the goal or invents.
- naturalness: is the user plausible and the assistant free of boilerplate ("As an AI..."), self-reference and repetition, with sensible lengths? 1 = reads like a real exchange.
Reply with one JSON object only: {"reasoning": {"score": 0.0, "rationale": "..."}, "completeness": {"score": 0.0, "rationale": "..."}, "naturalness": {"score": 0.0, "rationale": "..."}}`

/** The conversation as the judge reads it: one line per turn, calls written out. */
export const renderForJudge = (conversation: Conversation): string =>
  conversation.turns.map((turn) => {
    switch (turn.role) {
      case "assistant":
        return `[assistant] ${turn.content}${(turn.tool_calls ?? []).map((c) => `\n  CALL ${c.id} ${c.function.name}(${JSON.stringify(c.function.arguments)})`).join("")}`
      case "tool":
        return `[tool ${turn.name} → ${turn.tool_call_id}] ${turn.content}`
      default:
        return `[${turn.role}] ${turn.content}`
    }
  }).join("\n")

export const judgeRequest = (conversation: Conversation, model: string | null): ChatRequest => ({
  ...(model === null ? {} : { model }),
  messages: [
    { role: "system", content: RUBRIC },
    { role: "user", content: `Scenario: ${conversation.scenario.title} (${conversation.scenario.type}, variation ${conversation.scenario.variation})\n\n${renderForJudge(conversation)}` }
  ],
  response_format: { type: "json_object" },
  temperature: 0,
  max_tokens: 400
})

const Answer = Schema.Struct(Object.fromEntries(FUZZY.map((d) => [d, Schema.Struct({ score: Schema.Number.pipe(Schema.between(0, 1)), rationale: Schema.String })])) as {
  [K in (typeof FUZZY)[number]]: Schema.Struct<{ score: Schema.filter<typeof Schema.Number>; rationale: typeof Schema.String }>
})

/** Reads the judge's reply, or says why it cannot be used. */
export const parseJudgeAnswer = (text: string): Either.Either<Omit<JudgeView, "provider" | "model">, string> =>
  Either.flatMap(Either.mapLeft(extractJson(text, undefined), (r) => r.message), (json) =>
    Either.mapLeft(Schema.decodeUnknownEither(Answer)(json), () => "the judge's JSON lacks a 0-1 score and rationale for each dimension"))

/** Mixes the judge's view into the rule-based scores by `weight`. */
export const combine = (rules: QualityScores, view: JudgeView, weight: number): QualityScores => ({
  ...rules,
  reasoning: Math.round(((1 - weight) * rules.reasoning + weight * view.reasoning.score) * 1000) / 1000,
  completeness: Math.round(((1 - weight) * rules.completeness + weight * view.completeness.score) * 1000) / 1000,
  naturalness: Math.round(((1 - weight) * rules.naturalness + weight * view.naturalness.score) * 1000) / 1000
})

export interface LlmJudgeService {
  readonly enabled: boolean
  readonly review: (conversation: Conversation, rules: QualityScores) => Effect.Effect<Option.Option<JudgeView>>
  readonly stats: Effect.Effect<JudgeStats>
}

const disabled: LlmJudgeService = {
  enabled: false,
  review: () => Effect.succeedNone,
  stats: Effect.succeed({ reviewed: 0, failed: 0, meanAbsDiff: { reasoning: 0, completeness: 0, naturalness: 0 } })
}

/**
 * The optional LLM judge: sends a conversation to the judge provider(s) with the rubric and returns
 * their view of the fuzzy dimensions, or nothing when the judge is off or its call or answer failed
 * (logged and counted: the rule-based scores stand alone then).
 */
export class LlmJudge extends Context.Tag("agentic-synth/LlmJudge")<LlmJudge, LlmJudgeService>() {
  static readonly layerNone = Layer.succeed(LlmJudge, disabled)

  /** From `quality.judge`; a pool of its own over the judge provider(s) when enabled. */
  static readonly layerWithoutHttp: Layer.Layer<LlmJudge, ConfigError, AppConfig | HttpClient.HttpClient> = Layer.scoped(
    LlmJudge,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const settings = config.quality.judge
      if (!settings.enabled) return disabled
      const endpoints = yield* selectEndpoints({ ...config, provider: settings.provider })
      const now = yield* Clock.currentTimeMillis
      const pool = yield* makePool({
        members: endpoints.map((endpoint) => ({
          endpoint: settings.model === null ? endpoint : { ...endpoint, settings: { ...endpoint.settings, model: settings.model } },
          limiter: limiterFor(endpoint.settings, now, config.retry.base_delay_ms * 10)
        })),
        retry: config.retry,
        onExhausted: () => Effect.void
      })
      const totals = { reviewed: 0, failed: 0, diff: { reasoning: 0, completeness: 0, naturalness: 0 } }
      const review = (conversation: Conversation, rules: QualityScores) =>
        Effect.gen(function*() {
          const result = yield* Effect.either(pool.complete(judgeRequest(conversation, settings.model)))
          if (Either.isLeft(result)) {
            totals.failed++
            yield* Effect.logWarning(`judge call failed for ${conversation.id}: ${result.left.message}`)
            return Option.none<JudgeView>()
          }
          const answer = parseJudgeAnswer(result.right.content)
          if (Either.isLeft(answer)) {
            totals.failed++
            yield* Effect.logWarning(`judge answer unusable for ${conversation.id}: ${answer.left}`)
            return Option.none<JudgeView>()
          }
          totals.reviewed++
          for (const d of FUZZY) totals.diff[d] += Math.abs(answer.right[d].score - rules[d])
          return Option.some({ provider: result.right.provider, model: result.right.model, ...answer.right })
        })
      return {
        enabled: true,
        review,
        stats: Effect.sync(() => ({
          reviewed: totals.reviewed,
          failed: totals.failed,
          meanAbsDiff: Object.fromEntries(FUZZY.map((d) => [d, totals.reviewed === 0 ? 0 : Math.round((totals.diff[d] / totals.reviewed) * 1000) / 1000])) as JudgeStats["meanAbsDiff"]
        }))
      }
    })
  )

  static readonly layer = LlmJudge.layerWithoutHttp.pipe(Layer.provide(FetchHttpClient.layer))
}
