import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { Conversation } from "../domain/Conversation.js"
import { Scorer } from "../quality/Scorer.js"
import { scanJsonl } from "./jsonlScan.js"
import { readManifest, writeManifest } from "./Manifest.js"
import { openRunDirectory } from "./RunDirectory.js"
import { fingerprintOf } from "./runGeneration.js"
import { SinkError } from "./SinkError.js"

export interface RescoreSummary {
  readonly before: { readonly accepted: number; readonly rejected: number }
  readonly accepted: number
  readonly rejected: number
  /** Rejections by reason after rescoring (parse and validation rejections carried over unchanged). */
  readonly reasons: Readonly<Record<string, number>>
  readonly meanQuality: number
}

const decodeConversation = Schema.decodeUnknownEither(Conversation)

/**
 * Recomputes scores, patterns, complexity, the threshold, quotas and deduplication for a run directory
 * with the current config (through the `Scorer`, so the LLM judge is called when it is on, and no other
 * model): accepted records and rejected ones that hold their conversation are
 * judged again (dataset first, in file order, so the first of a set of copies is kept); rejections from
 * parsing or validation are carried over. Both files are written beside the old ones and swapped in by
 * rename, so an interruption leaves the old files whole.
 */
export const rescoreRun = (dir: string) =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const config = yield* AppConfig
    const previous = yield* readManifest(`${dir}/run.json`)
    if (previous === undefined && !(yield* fs.exists(`${dir}/dataset.jsonl`).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new SinkError({ reason: "Unwritable", message: `${dir} holds no run (no run.json, no dataset.jsonl); give the directory a generate run wrote` })
    }
    const plan = { maxItems: previous?.plan.max_items ?? 0, types: previous?.plan.types ?? [], samplesPerVariation: null, seed: config.generation.seed }
    const fingerprint = fingerprintOf(config, plan)
    // Open with the previous fingerprint: rescoring is how a directory moves to new quality settings.
    const state = yield* openRunDirectory(dir, previous?.fingerprint ?? fingerprint, false)
    const scorer = yield* Scorer
    const encoder = new TextEncoder()
    const open = (path: string) =>
      fs.open(path, { flag: "w" }).pipe(Effect.mapError((e) => new SinkError({ reason: "Unwritable", message: `cannot write ${path} (${e.message})` })))
    const dataset = yield* open(`${state.files.dataset}.rescore`)
    const rejected = yield* open(`${state.files.rejected}.rescore`)
    const write = (file: typeof dataset, value: unknown) =>
      file.writeAll(encoder.encode(JSON.stringify(value) + "\n")).pipe(
        Effect.mapError((e) => new SinkError({ reason: "WriteFailed", message: `cannot write the rescored files in ${dir} (${e.message}); the old files are untouched` }))
      )
    const reasons: Record<string, number> = {}
    let accepted = 0
    let rejectedCount = 0
    let qualitySum = 0
    const at = new Date().toISOString()
    const rejudge = (conversation: Conversation, extra: Record<string, unknown>) =>
      Effect.gen(function*() {
        const { conversation: scored, rejection } = yield* scorer.judge(conversation)
        if (rejection === undefined) {
          accepted++
          qualitySum += scored.quality_score ?? 0
          return yield* write(dataset, scored)
        }
        rejectedCount++
        reasons[rejection.reason] = (reasons[rejection.reason] ?? 0) + 1
        yield* write(rejected, { ...extra, id: scored.id, rejection, conversation: scored, provider: scored.provenance.provider, model: scored.provenance.model, at })
      })
    const corrupt = (file: string, what: string) =>
      new SinkError({ reason: "Corrupt", message: `${file} holds ${what} that is not a dataset record; repair or remove it, nothing was changed` })

    const fail = (e: { message: string }) => new SinkError({ reason: "WriteFailed", message: `cannot finish rescoring ${dir} (${e.message}); the old files are untouched` })
    yield* scanJsonl(state.files.dataset, (value) =>
      Effect.gen(function*() {
        const decoded = decodeConversation(value)
        if (decoded._tag === "Left") return yield* corrupt(state.files.dataset, `id ${JSON.stringify((value as { id?: unknown })?.id)}`)
        yield* rejudge(decoded.right, {})
      }))
    yield* scanJsonl(state.files.rejected, (value) =>
      Effect.gen(function*() {
        const line = value as { conversation?: unknown; rejection?: { reason?: string } }
        const decoded = line.conversation === undefined ? undefined : decodeConversation(line.conversation)
        if (decoded !== undefined && decoded._tag === "Right") {
          const { conversation: _, rejection: __, ...rest } = line as Record<string, unknown>
          return yield* rejudge(decoded.right, rest)
        }
        rejectedCount++
        const reason = line.rejection?.reason ?? "unknown"
        reasons[reason] = (reasons[reason] ?? 0) + 1
        yield* write(rejected, value)
      }))
    yield* Effect.mapError(dataset.sync, fail)
    yield* Effect.mapError(rejected.sync, fail)
    // The dataset's index describes the old lines: it goes first (a resume without it reads every line).
    yield* fs.remove(state.files.keys).pipe(Effect.catchTag("SystemError", (e) => (e.reason === "NotFound" ? Effect.void : Effect.fail(e))))
    // Both files or neither: a commit marker makes the pair of renames finish on the next open if the
    // process dies between them (openRunDirectory completes or discards an interrupted rescore).
    yield* fs.writeFileString(`${state.files.rescoreCommit}.tmp`, "commit")
    yield* fs.rename(`${state.files.rescoreCommit}.tmp`, state.files.rescoreCommit)
    yield* fs.rename(`${state.files.dataset}.rescore`, state.files.dataset)
    yield* fs.rename(`${state.files.rejected}.rescore`, state.files.rejected)
    yield* fs.remove(state.files.rescoreCommit)
    if (previous !== undefined) {
      yield* writeManifest(state.files.manifest, {
        ...previous,
        updated_at: at,
        // Only the quality settings move: how the data was generated stays what it was.
        fingerprint: { ...previous.fingerprint, min_score: fingerprint["min_score"]!, dedup: fingerprint["dedup"]!, dedup_threshold: fingerprint["dedup_threshold"]! },
        config: { ...(previous.config as object), quality: config.quality },
        totals: { ...previous.totals, accepted, rejected: rejectedCount }
      })
    }
    return {
      before: { accepted: state.accepted, rejected: state.rejected },
      accepted,
      rejected: rejectedCount,
      reasons,
      meanQuality: accepted === 0 ? 0 : qualitySum / accepted
    } satisfies RescoreSummary
  }).pipe(Effect.catchTag("SystemError", (e) => Effect.fail(new SinkError({ reason: "WriteFailed", message: e.message })))))
