import type { ValidateFunction } from "ajv"
import { Context, Effect, Layer, Option } from "effect"
import { Catalog, type CatalogData } from "../catalog/Catalog.js"
import { makeAjv } from "../catalog/toolSchemas.js"
import { AppConfig } from "../config/AppConfig.js"
import type { QualitySettings } from "../config/ConfigSchema.js"
import type { Complexity, Conversation } from "../domain/Conversation.js"
import type { Rejection } from "../domain/Outcome.js"
import type { Variation } from "../domain/Scenario.js"
import { complexityFeatures, complexityOf } from "./complexity.js"
import { DedupIndex, type DedupKeys, dedupKeys } from "./Dedup.js"
import { detectPatterns } from "./patterns.js"
import { combine, type JudgeStats, LlmJudge } from "./LlmJudge.js"
import { scoreConversation, weightedScore } from "./score.js"
import { type Trace, trace } from "./trace.js"

/** A judged conversation: with its scores, patterns and complexity, and the reason it is not kept, if any. */
export interface Judgement {
  readonly conversation: Conversation
  readonly rejection?: Rejection | undefined
  /** The dedup keys it was looked up by (when dedup is on), for a resumed run to read back. */
  readonly keys?: DedupKeys | undefined
}

/**
 * Conversations a resumed run read back from the dataset's index, without the records: per item its
 * id, its exact key (two numbers in `exact`), its 60-byte signature in `signatures` (when `withKeys`
 * says it has one) and its complexity.
 */
export interface KeptBatch {
  readonly ids: ReadonlyArray<string>
  readonly exact: Uint32Array
  readonly signatures: Uint8Array
  readonly withKeys: Uint8Array
  readonly complexity: ReadonlyArray<Complexity | undefined>
}

/** What a kept conversation leaves in the scorer's memory: its dedup keys and its complexity. */
export interface Kept {
  readonly keys: DedupKeys | undefined
  readonly complexity: Complexity | undefined
}

const makeTracedAssessor = (settings: QualitySettings, catalog: CatalogData | undefined) => {
  const ajv = makeAjv()
  const compiled = new Map<string, ValidateFunction>()
  // Records made in this process share the catalogue's tool objects: known by identity, no serialising.
  const byIdentity = new WeakMap<object, ValidateFunction | null>()
  const validatorFor = (tool: Conversation["tools"][number]): ValidateFunction | undefined => {
    const known = byIdentity.get(tool)
    if (known !== undefined) return known ?? undefined
    const validate = validatorByContent(tool)
    byIdentity.set(tool, validate ?? null)
    return validate
  }
  /** By content: the catalogue's own validator when the schema is unchanged, else one compiled once. */
  const validatorByContent = (tool: Conversation["tools"][number]): ValidateFunction | undefined => {
    const schema = JSON.stringify(tool.function.parameters)
    const key = `${tool.function.name}:${schema}`
    const cached = compiled.get(key)
    if (cached !== undefined) return cached
    let validate = catalog?.validators.get(tool.function.name)
    if (validate === undefined || JSON.stringify(catalog?.tools.get(tool.function.name)?.function.parameters) !== schema) {
      try {
        validate = ajv.compile(tool.function.parameters)
      } catch {
        validate = undefined
      }
    }
    if (validate !== undefined) compiled.set(key, validate)
    return validate
  }
  // A scenario's records share its array of tool definitions: their validators are looked up once.
  const byToolList = new WeakMap<object, ReadonlyMap<string, ValidateFunction>>()
  const validatorsFor = (conversation: Conversation): ReadonlyMap<string, ValidateFunction> => {
    const known = byToolList.get(conversation.tools)
    if (known !== undefined) return known
    const out = new Map<string, ValidateFunction>()
    for (const tool of conversation.tools) {
      const validate = validatorFor(tool)
      if (validate !== undefined) out.set(tool.function.name, validate)
    }
    byToolList.set(conversation.tools, out)
    return out
  }
  const variations = new Map<string, Variation>()
  for (const s of catalog?.scenarios ?? []) s.variations.forEach((v, i) => variations.set(`${s.type}/${s.id}/${i + 1}`, v))
  const variationOf = ({ scenario }: Conversation): Variation | undefined => variations.get(`${scenario.type}/${scenario.id}/${scenario.variation}`)

  return (conversation: Conversation): Assessed => {
    const t = trace(conversation.turns)
    const { quality, quality_score } = scoreConversation(t, validatorsFor(conversation), variationOf(conversation), settings.weights)
    return {
      trace: t,
      conversation: {
        ...conversation,
        agentic_patterns: detectPatterns(t),
        complexity: complexityOf(complexityFeatures(t), settings.complexity),
        quality_score,
        quality
      }
    }
  }
}

/** A scored conversation with the trace it was scored from (for its dedup keys). */
interface Assessed {
  readonly conversation: Conversation
  readonly trace: Trace
}

/** Scores, patterns and complexity of one conversation, with nothing about the rest of the dataset. */
export const makeAssessor = (settings: QualitySettings, catalog: CatalogData | undefined) => {
  const assess = makeTracedAssessor(settings, catalog)
  return (conversation: Conversation): Conversation => assess(conversation).conversation
}

/** A reviewed conversation: scored, with its dedup keys when dedup is on. */
export interface Reviewed {
  readonly conversation: Conversation
  readonly keys?: DedupKeys | undefined
}

/**
 * Judges conversations in order: score, then the threshold, then deduplication against every
 * conversation kept so far (exact and near copies), so a dataset keeps the first of a set of copies.
 */
export const makeJudge = (settings: QualitySettings, catalog: CatalogData | undefined) => {
  const assessTraced = makeTracedAssessor(settings, catalog)
  const assess = (conversation: Conversation): Conversation => assessTraced(conversation).conversation
  /** Scores and, when dedup is on, the dedup keys (from the same trace): one conversation alone. */
  const review = (conversation: Conversation): Reviewed => {
    const { conversation: scored, trace } = assessTraced(conversation)
    return settings.dedup ? { conversation: scored, keys: dedupKeys(scored, trace) } : { conversation: scored }
  }
  const index = new DedupIndex(settings.dedup_threshold)
  /** The threshold, dedup and quotas for a conversation already scored (with its keys, when `review` gave them). */
  const decide = (scored: Conversation, computed?: DedupKeys): Judgement => {
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
    const keys = settings.dedup ? computed ?? dedupKeys(scored) : undefined
    if (keys !== undefined) {
      const copyOf = index.find(scored, keys)
      if (copyOf !== undefined) {
        return { conversation: scored, rejection: { reason: "Duplicate", duplicate_of: copyOf, message: `a copy of ${copyOf}` } }
      }
    }
    const full = quotaFull(scored)
    if (full !== undefined) return { conversation: scored, rejection: { reason: "OverQuota", message: full } }
    if (keys !== undefined) index.add(scored, keys)
    count(scored.scenario.type, scored.complexity)
    return { conversation: scored, keys }
  }
  const judge = (conversation: Conversation): Judgement => {
    const reviewed = review(conversation)
    return decide(reviewed.conversation, reviewed.keys)
  }
  const perType = new Map<string, number>()
  const perComplexity = new Map<string, number>()
  const count = (type: string, complexity: Complexity | undefined) => {
    perType.set(type, (perType.get(type) ?? 0) + 1)
    if (complexity !== undefined) perComplexity.set(complexity, (perComplexity.get(complexity) ?? 0) + 1)
  }
  const quotaFull = (conversation: Conversation): string | undefined => {
    const { per_complexity, per_type } = settings.quotas
    const type = conversation.scenario.type
    if (per_type !== null && (perType.get(type) ?? 0) >= per_type) return `the quota of ${per_type} ${type} conversations is full`
    const level = conversation.complexity
    const cap = level === undefined ? null : per_complexity[level]
    if (cap !== null && level !== undefined && (perComplexity.get(level) ?? 0) >= cap) return `the quota of ${cap} ${level}-complexity conversations is full`
    return undefined
  }
  /** Adds an already kept conversation to the dedup index and the quota counts (resume, rescore). */
  const remember = (conversation: Conversation): Kept => {
    const keys = settings.dedup ? dedupKeys(conversation) : undefined
    if (keys !== undefined) index.add(conversation, keys)
    const complexity = conversation.complexity ?? assess(conversation).complexity
    count(conversation.scenario.type, complexity)
    return { keys, complexity }
  }
  /** The same from what a resumed run read back instead of the records (types from the ids, `<type>/...`). */
  const rememberKept = (batch: KeptBatch) => {
    batch.ids.forEach((id, i) => {
      if (settings.dedup && batch.withKeys[i] === 1) index.addRaw(id, batch.exact[2 * i]!, batch.exact[2 * i + 1]!, batch.signatures, i * 60)
      count(id.slice(0, id.indexOf("/")), batch.complexity[i])
    })
  }
  /** Room in the dedup index for `more` conversations than it holds. */
  const reserve = (more: number) => {
    if (settings.dedup) index.reserve(index.size + more)
  }
  return { judge, review, decide, remember, rememberKept, assess, reserve }
}

/**
 * The quality stage's hook in the pipeline: given a validated conversation, return it with its scores,
 * patterns and complexity, and the reason it is not kept (below threshold, a duplicate), if any.
 */
export class Scorer extends Context.Tag("agentic-synth/Scorer")<Scorer, {
  /**
   * Scores, patterns and complexity, with the LLM judge's view mixed in when it is on, and the dedup
   * keys (when dedup is on): about one conversation alone, so any number may run at once and in any
   * order.
   */
  readonly review: (conversation: Conversation) => Effect.Effect<Reviewed>
  /**
   * The threshold, deduplication against everything kept so far, and the quotas, for a batch of
   * reviewed conversations in the dataset's order: call it one batch at a time (the first of a set of
   * copies is kept). A conversation without keys has them computed here.
   */
  readonly decide: (batch: ReadonlyArray<Reviewed>) => Effect.Effect<ReadonlyArray<Judgement>>
  /** `review` then `decide`. */
  readonly judge: (conversation: Conversation) => Effect.Effect<Judgement>
  /**
   * Adds a conversation already in the dataset to the dedup index and the quota counts, so a resumed
   * run still finds its copies; returns what it remembered of it.
   */
  readonly remember: (conversation: Conversation) => Effect.Effect<Kept>
  /** The same from a resumed run's index entries, without the conversations. */
  readonly rememberKept: (batch: KeptBatch) => Effect.Effect<void>
  /** Makes room for `more` conversations to be kept (a run's plan), so memory is taken once, up front. */
  readonly reserve: (more: number) => Effect.Effect<void>
  /** How the LLM judge fared and agreed with the rules, when it is on. */
  readonly judgeStats: Effect.Effect<JudgeStats | undefined>
}>() {
  /**
   * Rule-based scoring from `quality` settings (variations' intents from the catalogue), with the LLM
   * judge's view mixed in by `quality.judge.weight` when the judge is on.
   */
  static readonly layerWithJudge = Layer.effect(
    Scorer,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const catalog = yield* Catalog
      const llm = yield* LlmJudge
      const { review: rules, decide, remember, rememberKept, reserve } = makeJudge(config.quality, catalog)
      const { judge: settings, weights } = config.quality
      const review = (conversation: Conversation): Effect.Effect<Reviewed> => {
        const reviewed = rules(conversation)
        if (!llm.enabled) return Effect.succeed(reviewed)
        const scored = reviewed.conversation
        return Effect.map(llm.review(scored, scored.quality!), (view): Reviewed => {
          if (Option.isNone(view)) return reviewed
          const quality = combine(scored.quality!, view.value, settings.weight)
          // The keys come from the turns alone: the judge's view leaves them as they are.
          return { ...reviewed, conversation: { ...scored, quality, quality_score: weightedScore(quality, weights), quality_judge: view.value } }
        })
      }
      const decided = (batch: ReadonlyArray<Reviewed>) => Effect.sync(() => batch.map((r) => decide(r.conversation, r.keys)))
      return {
        review,
        decide: decided,
        judge: (conversation) => Effect.map(review(conversation), (r) => decide(r.conversation, r.keys)),
        remember: (conversation) => Effect.sync(() => remember(conversation)),
        rememberKept: (batch) => Effect.sync(() => rememberKept(batch)),
        reserve: (more) => Effect.sync(() => reserve(more)),
        judgeStats: llm.enabled ? Effect.map(llm.stats, (s) => s as JudgeStats | undefined) : Effect.succeed(undefined)
      }
    })
  )

  /** Rule-based scoring, the judge built from `quality.judge` (its own provider pool over fetch). */
  static readonly layer = Scorer.layerWithJudge.pipe(Layer.provide(LlmJudge.layer))

  /** Keeps every validated conversation and adds no score: nothing claims a score it did not compute. */
  static readonly layerNone = Layer.succeed(Scorer, {
    review: (conversation) => Effect.succeed({ conversation }),
    decide: (batch) => Effect.succeed(batch.map(({ conversation }) => ({ conversation }))),
    judge: (conversation) => Effect.succeed({ conversation }),
    remember: (conversation) => Effect.succeed({ keys: undefined, complexity: conversation.complexity }),
    rememberKept: () => Effect.void,
    reserve: () => Effect.void,
    judgeStats: Effect.succeed(undefined)
  })
}
