import { Clock, Effect, Either, Stream } from "effect"
import type { ValidateFunction } from "ajv"
import { Catalog, type CatalogData } from "../catalog/Catalog.js"
import type { Scenario } from "../domain/Scenario.js"
import { AppConfig } from "../config/AppConfig.js"
import { type Conversation, conversationType } from "../domain/Conversation.js"
import type { Outcome, Rejection } from "../domain/Outcome.js"
import { isBadSample, NO_PROVIDER, ProviderError } from "../domain/ProviderError.js"
import type { ToolDefinition } from "../domain/Tool.js"
import type { Turn } from "../domain/Turn.js"
import { scenarioRef, type WorkItem } from "../domain/WorkItem.js"
import { ChatClient } from "../provider/ChatClient.js"
import { parseCompletion } from "./parse.js"
import { buildRequest, PROMPT_VERSION } from "./prompt.js"
import { validateConversation } from "./validate.js"
import { mapEffectPool } from "./workerPool.js"

export interface GenerateOptions {
  /** Identifies the run in every record's provenance. */
  readonly runId: string
}

const toolsOfScenario = new WeakMap<Scenario, { tools: ReadonlyArray<ToolDefinition>; validators: ReadonlyMap<string, ValidateFunction> }>()

/** A scenario's tool definitions and argument validators, looked up once per scenario. */
const scenarioTools = (catalog: CatalogData, scenario: Scenario) => {
  let found = toolsOfScenario.get(scenario)
  if (found === undefined) {
    found = {
      tools: scenario.tools.map((name) => catalog.tools.get(name)).filter((t): t is ToolDefinition => t !== undefined),
      validators: new Map(scenario.tools.flatMap((name) => {
        const validate = catalog.validators.get(name)
        return validate === undefined ? [] : [[name, validate] as const]
      }))
    }
    toolsOfScenario.set(scenario, found)
  }
  return found
}

/** The record of a work item's validated turns, as the generator writes it (before the quality stage). */
export const conversationOf = (
  item: WorkItem,
  tools: ReadonlyArray<ToolDefinition>,
  turns: ReadonlyArray<Turn>,
  source: { readonly provider: string; readonly model: string; readonly runId: string; readonly createdAt: string; readonly usage: Conversation["provenance"]["usage"] }
): Conversation => {
  const [first, ...rest] = turns
  return {
    id: item.id,
    conversation_type: conversationType(item.scenario.type),
    scenario: scenarioRef(item),
    tools,
    turns: [first!, ...rest],
    provenance: {
      provider: source.provider,
      model: source.model,
      seed: item.seed,
      sample: item.sample,
      prompt_version: PROMPT_VERSION,
      run_id: source.runId,
      created_at: source.createdAt,
      usage: source.usage
    }
  }
}

/** What a sample the provider refused as malformed (Groq's 400s) counts as. */
const badSampleRejection = (error: ProviderError): Rejection => ({
  reason: error.code === "json_validate_failed" ? "InvalidJson" : "WrongShape",
  message: `the provider refused the model's output (${error.code}): ${error.message}`
})

/**
 * One work item to an outcome: prompt, call, parse, validate. Output that cannot be used is asked for
 * again as a new sample (another seed and persona), up to `generation.max_attempts`, then rejected
 * with the last reason and what the model said; a call that fails after the provider stage's retries
 * is a failure with its typed error. Never fails itself.
 */
// A plain generator rather than `Effect.fn`: this runs once per conversation and a span per call cost
// about a third of the stage's throughput in the pipeline benchmark.
export const generateItem = (item: WorkItem, options: GenerateOptions) =>
  Effect.flatMap(itemGenerator(options), (generate) => generate(item))

/**
 * `generateItem` with the services looked up once: for a stage that generates many items (the
 * lookups were a measurable share of the per-item cost in the pipeline benchmark).
 */
export const itemGenerator = (options: GenerateOptions) => Effect.gen(function*() {
  const config = yield* AppConfig
  const catalog = yield* Catalog
  const client = yield* ChatClient
  return (item: WorkItem) => generateWith(config, catalog, client, item, options)
})

const generateWith = (
  config: AppConfig["Type"],
  catalog: CatalogData,
  client: ChatClient["Type"],
  item: WorkItem,
  options: GenerateOptions
): Effect.Effect<Outcome, ProviderError> => Effect.gen(function*() {
  const { tools, validators } = scenarioTools(catalog, item.scenario)
  const { max_attempts: maxAttempts, max_tokens: maxTokens, temperature } = config.generation
  let last: { rejection: Rejection; raw?: string; provider?: string; model?: string } | undefined
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const request = buildRequest(item, tools, {
      temperature,
      maxTokens,
      typeDescription: catalog.descriptions.get(item.scenario.type),
      attempt
    })
    const result = yield* Effect.either(client.complete(request))
    if (Either.isLeft(result)) {
      const error = result.left
      if (isBadSample(error)) {
        last = { rejection: badSampleRejection(error), provider: error.provider }
        continue
      }
      // No provider accepts its key, none has answered for minutes, or none is left (a wrong model, a
      // context too small): every item would fail the same way, so the run stops here (what is done is
      // kept; a new run resumes).
      if (error.reason === "Unauthorized" || error.code === "unreachable" || error.code === NO_PROVIDER) return yield* Effect.fail(error)
      return { _tag: "failed", id: item.id, error, attempts: error.attempts ?? 1 } satisfies Outcome
    }
    const completion = result.right
    const parsed = Either.flatMap(parseCompletion(completion, maxTokens), (turns) =>
      Either.map(validateConversation(turns, validators), () => turns))
    if (Either.isLeft(parsed)) {
      last = { rejection: parsed.left, raw: completion.content, provider: completion.provider, model: completion.model }
      continue
    }
    const conversation = conversationOf(item, tools, parsed.right, {
      provider: completion.provider,
      model: completion.model,
      runId: options.runId,
      createdAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
      usage: completion.usage
    })
    return { _tag: "accepted", conversation } satisfies Outcome
  }
  return {
    _tag: "rejected",
    id: item.id,
    rejection: last!.rejection,
    attempts: maxAttempts,
    ...(last?.provider === undefined ? {} : { provider: last.provider }),
    ...(last?.model === undefined ? {} : { model: last.model }),
    ...(last?.raw === undefined ? {} : { raw: last.raw })
  } satisfies Outcome
})

/**
 * The generation stage as a stream transformer: work items in, outcomes out (in completion order),
 * `generation.concurrency` items at a time. Compose it with `workItemStream` before and a sink after.
 */
export const generateConversations = (options: GenerateOptions) =>
<E, R>(items: Stream.Stream<WorkItem, E, R>): Stream.Stream<Outcome, E | ProviderError, R | AppConfig | Catalog | ChatClient> =>
  Stream.unwrap(
    Effect.zipWith(AppConfig, itemGenerator(options), (config, generate) =>
      items.pipe(mapEffectPool(generate, config.generation.concurrency)))
  )
