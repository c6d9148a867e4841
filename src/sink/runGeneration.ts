import { Cause, Chunk, Clock, type Duration, Effect, Exit, Fiber, Ref, Schedule, Stream } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { type PlanOptions, workItemIds, workItemStream } from "../catalog/workItems.js"
import { AppConfig } from "../config/AppConfig.js"
import type { AppConfigData } from "../config/ConfigSchema.js"
import type { Conversation } from "../domain/Conversation.js"
import type { Outcome } from "../domain/Outcome.js"
import type { ProviderError } from "../domain/ProviderError.js"
import type { WorkItem } from "../domain/WorkItem.js"
import { itemGenerator } from "../generate/Generator.js"
import { mapEffectPool } from "../generate/workerPool.js"
import { PROMPT_VERSION } from "../generate/prompt.js"
import { ChatClient } from "../provider/ChatClient.js"
import type { ProviderStatus } from "../provider/ProviderPool.js"
import type { JudgeStats } from "../quality/LlmJudge.js"
import { type Reviewed, Scorer } from "../quality/Scorer.js"
import { displayUrl } from "../provider/profiles.js"
import { SinkError } from "./SinkError.js"
import { addProviderFigures, type Fingerprint, type Manifest, type ProviderSummary, writeManifest } from "./Manifest.js"
import { makeOutcomeWriter, type Written } from "./OutcomeWriter.js"
import { openRunDirectory, type RunFiles } from "./RunDirectory.js"

export interface RunOptions {
  readonly dir: string
  readonly plan: PlanOptions
  /** Set aside a directory's data made with another configuration instead of refusing it. */
  readonly force: boolean
  /** Called every `progressEvery` with the counts so far. */
  readonly onProgress?: (progress: Progress) => Effect.Effect<void>
  readonly progressEvery?: Duration.DurationInput
  /** Called with every outcome once it is written. */
  readonly onOutcome?: (outcome: Outcome) => Effect.Effect<void>
}

export interface TypeCounts {
  accepted: number
  rejected: number
  failed: number
}

/** Where a run stands. `planned = skipped + accepted + rejected + failed + remaining`. */
export interface Progress {
  readonly runId: string
  readonly planned: number
  readonly skipped: number
  readonly accepted: number
  readonly rejected: number
  readonly failed: number
  readonly remaining: number
  readonly elapsedMs: number
  readonly byType: Readonly<Record<string, TypeCounts>>
  readonly rejections: Readonly<Record<string, number>>
  readonly failures: Readonly<Record<string, number>>
  /** Accepted conversations with at least one tool call. */
  readonly withToolCalls: number
  /** Sum of quality scores of the accepted conversations that have one, and how many have one. */
  readonly qualitySum: number
  readonly scored: number
  readonly providers: ReadonlyArray<ProviderStatus>
  /** The LLM judge's counts and agreement with the rules, when it is on. */
  readonly judge: JudgeStats | undefined
  readonly files: RunFiles
  readonly cut: ReadonlyArray<string>
  readonly setAside: string | undefined
}

/** A finished item on its way to the writer: accepted ones with their review. */
interface Reviewing {
  readonly outcome: Outcome
  readonly reviewed?: Reviewed
}

/** Enough of a record's shape for resume to use it (a full decode of 100k lines would slow start-up). */
const looksLikeRecord = (value: unknown): value is Conversation => {
  const r = value as Partial<Conversation> | null
  return typeof r?.id === "string" && Array.isArray(r.turns) && Array.isArray(r.tools) && typeof r.scenario === "object" && r.scenario !== null
}

/** The config as run.json keeps it: base URLs without any `user:password@`. */
const withoutUrlCredentials = (config: AppConfigData): AppConfigData => ({
  ...config,
  providers: Object.fromEntries(
    Object.entries(config.providers).map(([name, p]) => [name, { ...p, base_url: displayUrl(p.base_url) }])
  ) as AppConfigData["providers"]
})

/** The settings that make a dataset what it is; resuming with other values is refused. */
export const fingerprintOf = (config: AppConfigData, plan: PlanOptions): Fingerprint => ({
  seed: config.generation.seed,
  types: plan.types.length === 0 ? "all" : [...plan.types].sort().join(","),
  temperature: config.generation.temperature,
  prompt_version: PROMPT_VERSION,
  min_score: config.quality.min_score,
  dedup: config.quality.dedup,
  dedup_threshold: config.quality.dedup_threshold
})

const providerSummary = (status: ProviderStatus): ProviderSummary => ({
  provider: status.provider,
  model: status.model,
  state: status.state,
  requests: status.stats.requests,
  retries: status.stats.retries,
  succeeded: status.stats.succeeded,
  failed: status.stats.failed,
  rate_limited: status.stats.rateLimited,
  prompt_tokens: status.stats.promptTokens,
  completion_tokens: status.stats.completionTokens
})

/**
 * A whole `generate` run into a run directory: resume (skip what is done, cut torn lines), generate the
 * remaining items, score them, append them through one writer, and keep `run.json` current (every two
 * seconds and at the end, whether the run finished, failed or was interrupted). Memory stays flat: the
 * items are produced lazily, and only the ids already done are kept.
 */
export const runGeneration = (options: RunOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const config = yield* AppConfig
    const catalog = yield* Catalog
    const client = yield* ChatClient
    const scorer = yield* Scorer
    const started = yield* Clock.currentTimeMillis
    const fingerprint = fingerprintOf(config, options.plan)
    const state = yield* openRunDirectory(options.dir, fingerprint, options.force, {
      onIndexed: scorer.reserve,
      onKnown: scorer.rememberKept,
      onRecord: (record) =>
        looksLikeRecord(record)
          ? scorer.remember(record)
          : Effect.fail(new SinkError({ reason: "Corrupt", message: `${options.dir}/dataset.jsonl holds a line that is not a dataset record (${JSON.stringify(JSON.stringify(record).slice(0, 40))}...); repair or remove it, nothing was changed` }))
    })
    const writer = yield* makeOutcomeWriter(state.files)
    const runId = state.previous?.run_id ?? `run-${new Date(started).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}`

    let planned = 0
    let skipped = 0
    // The plan's leading items that are done: the generation stream starts after them.
    let leadingDone = 0
    for (const id of workItemIds(catalog, options.plan)) {
      planned++
      if (state.done.has(id)) {
        skipped++
        if (leadingDone === planned - 1) leadingDone = planned
      }
    }
    yield* scorer.reserve(planned - skipped)
    const counts = { accepted: 0, rejected: 0, failed: 0, withToolCalls: 0, qualitySum: 0, scored: 0 }
    const byType: Record<string, TypeCounts> = {}
    const rejections: Record<string, number> = {}
    const failures: Record<string, number> = {}
    const status = yield* Ref.make<Manifest["status"]>("running")

    const progress: Effect.Effect<Progress> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      return {
        runId,
        planned,
        skipped,
        ...counts,
        remaining: planned - skipped - counts.accepted - counts.rejected - counts.failed,
        elapsedMs: now - started,
        byType,
        rejections,
        failures,
        providers: yield* client.status,
        judge: yield* scorer.judgeStats,
        files: state.files,
        cut: state.cut,
        setAside: state.setAside
      }
    })
    const earlierProviders = state.previous?.providers_total ?? state.previous?.providers ?? []
    const manifest = Effect.gen(function*() {
      const p = yield* progress
      const now = new Date(yield* Clock.currentTimeMillis).toISOString()
      yield* writeManifest(state.files.manifest, {
        run_id: runId,
        created_at: state.previous?.created_at ?? new Date(started).toISOString(),
        updated_at: now,
        status: yield* Ref.get(status),
        sessions: (state.previous?.sessions ?? 0) + 1,
        fingerprint,
        config: withoutUrlCredentials(config),
        plan: {
          max_items: options.plan.maxItems,
          types: options.plan.types,
          shard: options.plan.shard === undefined ? null : `${options.plan.shard.index}/${options.plan.shard.count}`
        },
        counts: { planned: p.planned, skipped: p.skipped, accepted: p.accepted, rejected: p.rejected, failed: p.failed, remaining: p.remaining },
        totals: { accepted: state.accepted + p.accepted, rejected: state.rejected + p.rejected, failures: state.failures + p.failed },
        providers: p.providers.map(providerSummary),
        providers_total: addProviderFigures(earlierProviders, p.providers.map(providerSummary))
      })
    })

    yield* manifest
    yield* writer.log({ event: "start", run_id: runId, planned, skipped, cut: state.cut, set_aside: state.setAside ?? null })
    const every = options.progressEvery ?? "2 seconds"
    const ticker = yield* Effect.fork(
      Effect.repeat(
        Effect.zipRight(manifest.pipe(Effect.ignoreLogged), Effect.flatMap(progress, (p) => options.onProgress?.(p) ?? Effect.void)),
        Schedule.spaced(every)
      )
    )

    const count = (outcome: Outcome) => {
      const type = outcome._tag === "accepted" ? outcome.conversation.scenario.type : outcome.id.split("/")[0]!
      const entry = (byType[type] ??= { accepted: 0, rejected: 0, failed: 0 })
      entry[outcome._tag]++
      counts[outcome._tag]++
      if (outcome._tag === "accepted") {
        if (outcome.conversation.turns.some((t) => t.role === "assistant" && (t.tool_calls?.length ?? 0) > 0)) counts.withToolCalls++
        if (outcome.conversation.quality_score !== undefined) {
          counts.qualitySum += outcome.conversation.quality_score
          counts.scored++
        }
      } else if (outcome._tag === "rejected") rejections[outcome.rejection.reason] = (rejections[outcome.rejection.reason] ?? 0) + 1
      else failures[outcome.error.reason] = (failures[outcome.error.reason] ?? 0) + 1
    }

    // Scores and dedup keys are computed per batch of finished items, four batches at a time (in review
    // threads, when there are, while the generation workers go on); with the LLM judge on, in each
    // generation worker, one conversation at a time (a batch would wait for its slowest judge call).
    // The threshold, dedup and quotas are decided per batch, in the order outcomes reach the writer.
    const reviewedOne = (outcome: Outcome): Effect.Effect<Reviewing> =>
      outcome._tag !== "accepted" ? Effect.succeed({ outcome }) : Effect.map(scorer.review(outcome.conversation), (reviewed) => ({ outcome, reviewed }))
    const reviewed = (batch: Chunk.Chunk<Outcome>): Effect.Effect<Chunk.Chunk<Reviewing>> => {
      const outcomes = Chunk.toReadonlyArray(batch)
      const accepted = outcomes.flatMap((outcome) => (outcome._tag === "accepted" ? [outcome.conversation] : []))
      return Effect.map(scorer.reviewAll(accepted), (reviews) => {
        let next = 0
        return Chunk.unsafeFromArray(outcomes.map((outcome): Reviewing => (outcome._tag === "accepted" ? { outcome, reviewed: reviews[next++]! } : { outcome })))
      })
    }
    const decided = (batch: Chunk.Chunk<Reviewing>): Effect.Effect<ReadonlyArray<Written>> => {
      const items = Chunk.toReadonlyArray(batch)
      const accepted = items.flatMap((item) => (item.reviewed === undefined ? [] : [item.reviewed]))
      return Effect.map(scorer.decide(accepted), (judgements) => {
        let next = 0
        return items.map(({ outcome, reviewed }): Written => {
          if (reviewed === undefined) return { outcome }
          const { conversation, keys, rejection } = judgements[next++]!
          return rejection === undefined
            ? { outcome: { _tag: "accepted", conversation }, keys, turnsJson: conversation.turns === reviewed.conversation.turns ? reviewed.turnsJson : undefined }
            : { outcome: {
              _tag: "rejected",
              id: conversation.id,
              rejection,
              conversation,
              provider: conversation.provenance.provider,
              model: conversation.provenance.model
            } }
        })
      })
    }
    const generate = yield* itemGenerator({ runId })
    const onOutcome = options.onOutcome
    /** A batch of finished items (whatever finished since the last write): decided, written, counted. */
    const settle = (batch: Chunk.Chunk<Reviewing>) =>
      Effect.gen(function*() {
        const written = yield* decided(batch)
        yield* writer.write(written)
        const outcomes = written.map((w) => w.outcome)
        for (const outcome of outcomes) count(outcome)
        if (onOutcome !== undefined) yield* Effect.forEach(outcomes, onOutcome, { discard: true })
      })

    // Whatever ends the run (done, a failure, Ctrl-C), the manifest records it: this runs uninterruptibly.
    const finish = (exit: Exit.Exit<unknown, unknown>) =>
      Effect.gen(function*() {
        yield* Fiber.interrupt(ticker)
        yield* Ref.set(status, Exit.isSuccess(exit) ? "finished" : (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) ? "interrupted" : "failed")
        yield* manifest.pipe(Effect.ignoreLogged)
        yield* writer.log({ event: "end", status: yield* Ref.get(status), ...counts }).pipe(Effect.ignore)
      })
    const pending = workItemStream(catalog, options.plan, leadingDone).pipe(Stream.filter((item) => !state.done.has(item.id)))
    const finished: Stream.Stream<Reviewing, ProviderError> = scorer.reviewsInBatches
      ? pending.pipe(
        mapEffectPool((item: WorkItem) => generate(item), config.generation.concurrency),
        Stream.chunks,
        Stream.mapEffect(reviewed, { concurrency: 4 }),
        Stream.flattenChunks
      )
      : pending.pipe(mapEffectPool((item: WorkItem) => Effect.flatMap(generate(item), reviewedOne), config.generation.concurrency))
    yield* finished.pipe(Stream.runForEachChunk(settle), Effect.onExit(finish))
    return yield* progress
  }))


