import { Effect } from "effect"
import { availableParallelism } from "node:os"
import type { CatalogData } from "../catalog/Catalog.js"
import type { QualitySettings } from "../config/ConfigSchema.js"
import type { Conversation } from "../domain/Conversation.js"
import { withReview } from "./assess.js"
import { makeReviewThreads, type ReviewThreads, type ThreadAnswer } from "./ReviewThreads.js"
import type { Reviewed } from "./Scorer.js"

/** In `auto`, threads start once this many conversations were reviewed within one second. */
export const AUTO_START_PER_SECOND = 400

/** The threads `review_threads` asks for on this machine: `auto` is one fewer than the cores, at most two. */
export const reviewThreadCount = (setting: QualitySettings["review_threads"], cores = availableParallelism()): number =>
  setting === "auto" ? Math.max(0, Math.min(2, cores - 1)) : setting

const fromAnswer = (conversation: Conversation, turnsJson: string, answer: Exclude<ThreadAnswer, { failed: string }>, dedup: boolean): Reviewed =>
  dedup && answer.exact !== undefined && answer.signature !== undefined
    ? { conversation: withReview(conversation, answer.fields), keys: { exact: answer.exact, signature: answer.signature }, turnsJson }
    : { conversation: withReview(conversation, answer.fields), turnsJson }

/**
 * The rule-based review of a batch, in worker threads when `quality.review_threads` asks for them (the
 * same results as `inProcess`, which it falls back to, with one warning, if the threads stop). The
 * threads end with the scope.
 */
export const threadedReview = (
  settings: QualitySettings,
  catalog: CatalogData,
  inProcess: (conversation: Conversation) => Reviewed
) =>
  Effect.gen(function*() {
    const count = reviewThreadCount(settings.review_threads)
    const direct = (batch: ReadonlyArray<Conversation>) => Effect.sync(() => batch.map(inProcess))
    if (count === 0) return direct
    let threads: ReviewThreads | undefined
    yield* Effect.addFinalizer(() => Effect.promise(() => threads?.close() ?? Promise.resolve()))
    // Why the threads could not start, if they could not (the review then stays here, with one warning).
    let notStarted: string | undefined
    const start = () => {
      try {
        threads = makeReviewThreads({
          settings,
          scenarios: catalog.scenarios.map(({ id, type, variations }) => ({ id, type, variations })),
          tools: [...catalog.tools.values()]
        }, count)
      } catch (error) {
        notStarted = `the review threads could not start (${error instanceof Error ? error.message : String(error)})`
      }
    }
    // `auto`: reviewed in this thread until they come fast.
    let windowStart = 0
    let inWindow = 0
    const counted = (batch: ReadonlyArray<Conversation>) =>
      Effect.sync(() => {
        const now = performance.now()
        if (now - windowStart > 1000) {
          windowStart = now
          inWindow = 0
        }
        inWindow += batch.length
        if (inWindow >= AUTO_START_PER_SECOND && notStarted === undefined) start()
        return batch.map(inProcess)
      })
    let warned = false
    const warnOnce = (why: string) =>
      Effect.suspend(() => {
        if (warned) return Effect.void
        warned = true
        return Effect.logWarning(`${why}: the review goes on in the main thread`)
      })
    return (batch: ReadonlyArray<Conversation>): Effect.Effect<ReadonlyArray<Reviewed>> => Effect.suspend(() => {
      // A count starts its threads with the first batch (a layer built for `rescore` or a
      // `validate` never starts them).
      if (threads === undefined && notStarted === undefined && settings.review_threads !== "auto" && batch.length > 0) start()
      const running = threads
      if (running === undefined) {
        return notStarted === undefined ? counted(batch) : Effect.zipRight(warnOnce(notStarted), direct(batch))
      }
      if (batch.length === 0) return Effect.succeed([])
      return Effect.async<ReadonlyArray<Reviewed>>((resume) => {
        const out = new Array<Reviewed>(batch.length)
        const notAnswered: Array<number> = []
        let left = batch.length
        let failed = ""
        // What no thread answered is reviewed here, in the fiber (a rule that throws is its defect, as in-process).
        const finish = Effect.suspend(() => {
          for (const i of notAnswered) out[i] = inProcess(batch[i]!)
          return Effect.as(warnOnce(failed), out)
        })
        batch.forEach((conversation, i) => {
          const turnsJson = JSON.stringify(conversation.turns)
          running.submit(conversation, turnsJson, (answer) => {
            if ("failed" in answer) {
              failed = answer.failed
              notAnswered.push(i)
            } else out[i] = fromAnswer(conversation, turnsJson, answer, settings.dedup)
            if (--left === 0) resume(notAnswered.length === 0 ? Effect.succeed(out) : finish)
          })
        })
      })
    })
  })
