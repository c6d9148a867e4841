import { Context, Effect, Layer, Option } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { AppConfig } from "../config/AppConfig.js"
import type { QualitySettings } from "../config/ConfigSchema.js"
import type { Complexity, Conversation } from "../domain/Conversation.js"
import type { Rejection } from "../domain/Outcome.js"
import { type CatalogView, makeReviewer, withReview } from "./assess.js"
import { DedupIndex, type DedupKeys, dedupKeys } from "./Dedup.js"
import { combine, type JudgeStats, LlmJudge } from "./LlmJudge.js"
import { weightedScore } from "./score.js"
import { threadedReview } from "./threadedReview.js"
import type { Trace } from "./trace.js"

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

/** Scores, patterns and complexity with the trace they were read from (for the dedup keys). */
const makeTracedAssessor = (settings: QualitySettings, catalog: CatalogView | undefined) => {
  const review = makeReviewer(settings, catalog)
  return (conversation: Conversation): Assessed => {
    const { fields, trace } = review(conversation)
    return { trace, conversation: withReview(conversation, fields) }
  }
}

/** A scored conversation with the trace it was scored from (for its dedup keys). */
interface Assessed {
  readonly conversation: Conversation
  readonly trace: Trace
}

/** Scores, patterns and complexity of one conversation, with nothing about the rest of the dataset. */
export const makeAssessor = (settings: QualitySettings, catalog: CatalogView | undefined) => {
  const assess = makeTracedAssessor(settings, catalog)
  return (conversation: Conversation): Conversation => assess(conversation).conversation
}

/** A reviewed conversation: scored, with its dedup keys when dedup is on. */
export interface Reviewed {
  readonly conversation: Conversation
  readonly keys?: DedupKeys | undefined
  /**
   * `JSON.stringify(conversation.turns)`, when the review made it already (a review thread is sent
   * it): the record's line takes it rather than serialising the turns again.
   */
  readonly turnsJson?: string | undefined
}

/**
 * Judges conversations in order: score, then the threshold, then deduplication against every
 * conversation kept so far (exact and near copies), so a dataset keeps the first of a set of copies.
 */
export const makeJudge = (settings: QualitySettings, catalog: CatalogView | undefined) => {
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
   * `review` of a batch, in the batch's order: how the pipeline calls it, so that review threads
   * (`quality.review_threads`) get work in batches while the main thread goes on generating.
   */
  readonly reviewAll: (batch: ReadonlyArray<Conversation>) => Effect.Effect<ReadonlyArray<Reviewed>>
  /**
   * Whether a pipeline should review in batches (`reviewAll` after the generation workers) rather than
   * one conversation in each worker (`review`): true for the rules alone; false with the LLM judge on,
   * where a batch would wait for its slowest judge call and hold the run's writing up behind it.
   */
  readonly reviewsInBatches: boolean
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
  static readonly layerWithJudge = Layer.scoped(
    Scorer,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const catalog = yield* Catalog
      const llm = yield* LlmJudge
      const { review: inProcess, decide, remember, rememberKept, reserve } = makeJudge(config.quality, catalog)
      const { judge: settings, weights } = config.quality
      // In review threads when `quality.review_threads` asks for them: the same results either way.
      const rules = yield* threadedReview(config.quality, catalog, inProcess)
      const judged = (reviewed: Reviewed): Effect.Effect<Reviewed> => {
        const scored = reviewed.conversation
        return Effect.map(llm.review(scored, scored.quality!), (view): Reviewed => {
          if (Option.isNone(view)) return reviewed
          const quality = combine(scored.quality!, view.value, settings.weight)
          // The keys come from the turns alone: the judge's view leaves them as they are.
          return { ...reviewed, conversation: { ...scored, quality, quality_score: weightedScore(quality, weights), quality_judge: view.value } }
        })
      }
      const reviewAll = (batch: ReadonlyArray<Conversation>): Effect.Effect<ReadonlyArray<Reviewed>> =>
        llm.enabled ? Effect.flatMap(rules(batch), (reviewed) => Effect.forEach(reviewed, judged, { concurrency: "unbounded" })) : rules(batch)
      // One at a time, a round trip to a thread would cost more than the review: this one stays here.
      const review = (conversation: Conversation): Effect.Effect<Reviewed> => {
        const reviewed = Effect.sync(() => inProcess(conversation))
        return llm.enabled ? Effect.flatMap(reviewed, judged) : reviewed
      }
      const decided = (batch: ReadonlyArray<Reviewed>) => Effect.sync(() => batch.map((r) => decide(r.conversation, r.keys)))
      return {
        review,
        reviewAll,
        reviewsInBatches: !llm.enabled,
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
    reviewAll: (batch) => Effect.succeed(batch.map((conversation) => ({ conversation }))),
    reviewsInBatches: true,
    decide: (batch) => Effect.succeed(batch.map(({ conversation }) => ({ conversation }))),
    judge: (conversation) => Effect.succeed({ conversation }),
    remember: (conversation) => Effect.succeed({ keys: undefined, complexity: conversation.complexity }),
    rememberKept: () => Effect.void,
    reserve: () => Effect.void,
    judgeStats: Effect.succeed(undefined)
  })
}
