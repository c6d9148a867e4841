import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Data, Effect, Either, Schema } from "effect"
import { Conversation } from "../domain/Conversation.js"
import { scanJsonl } from "../sink/jsonlScan.js"
import { closest } from "../config/merge.js"
import { FieldKinds, type KindConflict } from "./fieldKinds.js"
import { type ExportFormat, exportRecord } from "./formats.js"

export class ExportError extends Data.TaggedError("ExportError")<{ readonly message: string }> {}

export interface ExportOptions {
  readonly dirs: ReadonlyArray<string>
  readonly format: ExportFormat
  readonly out: string
  readonly minQuality?: number | undefined
  readonly types?: ReadonlyArray<string> | undefined
  readonly keepParallel?: boolean | undefined
  /** `hf`: `tools` as one JSON string (see `HfOptions.toolsJson`). */
  readonly toolsJson?: boolean | undefined
  /** `hf`: each call's `arguments` as a JSON string (see `HfOptions.argumentsJson`). */
  readonly argumentsJson?: boolean | undefined
}

export interface ExportSummary {
  readonly written: number
  /** Records left out, by reason. */
  readonly skipped: Readonly<Record<string, number>>
  /** Faithful but lossy choices a format forced, by kind (e.g. reasoning text dropped for ShareGPT). */
  readonly notes: Readonly<Record<string, number>>
  /**
   * `hf` only: field paths whose JSON kind differs between lines (a tool's `query` a string, another's
   * an object), which a `datasets` table cannot type without its JSON feature type.
   */
  readonly kindConflicts: ReadonlyArray<KindConflict>
  /** `--types` entries that no record of the runs has. */
  readonly absentTypes: ReadonlyArray<string>
}

const decode = Schema.decodeUnknownEither(Conversation)

/**
 * Streams the accepted records of one or more run directories (shards merge: an id seen before is left
 * out) into one trainer-format JSONL file, in constant memory but for the ids seen. The file appears
 * only when complete (written beside it, then renamed); the run directories are only read.
 */
export const exportRuns = (options: ExportOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    for (const dir of options.dirs) {
      if (!(yield* fs.exists(path.join(dir, "dataset.jsonl")).pipe(Effect.orElseSucceed(() => false)))) {
        return yield* new ExportError({ message: `${dir} has no dataset.jsonl; give the run directories generate wrote` })
      }
    }
    const outInfo = yield* fs.stat(options.out).pipe(Effect.option)
    if (outInfo._tag === "Some" && outInfo.value.type === "Directory") {
      return yield* new ExportError({ message: `--out ${options.out} is a directory; give a file path such as ${path.join(options.out, `agentic.${options.format}.jsonl`)}` })
    }
    const parent = path.dirname(path.resolve(options.out))
    if (!(yield* fs.exists(parent).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new ExportError({ message: `the directory of --out ${options.out} (${parent}) does not exist; create it or choose another path` })
    }
    const temporary = `${options.out}.partial`
    // Whatever stops the export, the half-written file goes (after it is closed: finalizers run in
    // reverse); the previous --out, if any, stays.
    yield* Effect.addFinalizer((exit) => (exit._tag === "Failure" ? fs.remove(temporary).pipe(Effect.ignore) : Effect.void))
    const file = yield* fs.open(temporary, { flag: "w" }).pipe(
      Effect.mapError((e) => new ExportError({ message: `cannot write ${options.out} (${e.message}); choose another --out` }))
    )
    const encoder = new TextEncoder()
    const seen = new Set<string>()
    const skipped: Record<string, number> = {}
    const notes: Record<string, number> = {}
    const kinds = options.format === "hf" ? new FieldKinds() : undefined
    let written = 0
    const skip = (reason: string) => void (skipped[reason] = (skipped[reason] ?? 0) + 1)
    const types = options.types === undefined || options.types.length === 0 ? undefined : new Set(options.types)
    /** The scenario types the runs hold, to tell a misspelt --types from a type with nothing in it. */
    const present = new Set<string>()
    let batch: Array<string> = []
    const flush = Effect.suspend(() => {
      if (batch.length === 0) return Effect.void
      const text = batch.join("\n") + "\n"
      batch = []
      return file.writeAll(encoder.encode(text)).pipe(
        Effect.mapError((e) => new ExportError({ message: `cannot write ${options.out} (${e.message}); nothing was replaced` }))
      )
    })
    for (const dir of options.dirs) {
      yield* scanJsonl(path.join(dir, "dataset.jsonl"), (value) => {
        const record = decode(value)
        if (Either.isLeft(record)) return skip("not a valid dataset record")
        const r = record.right
        present.add(r.scenario.type)
        if (seen.has(r.id)) return skip("duplicate id (already exported from an earlier directory)")
        seen.add(r.id)
        if (types !== undefined && !types.has(r.scenario.type)) return skip("type not selected (--types)")
        if (options.minQuality !== undefined && r.quality_score === undefined) return skip("not scored (--min-quality needs a score; run rescore)")
        if (options.minQuality !== undefined && r.quality_score! < options.minQuality) return skip("below --min-quality")
        const exported = exportRecord(options.format, r, { keepParallel: options.keepParallel ?? false, toolsJson: options.toolsJson, argumentsJson: options.argumentsJson })
        if (exported._tag === "skip") return skip(exported.reason)
        for (const note of exported.notes ?? []) notes[note] = (notes[note] ?? 0) + 1
        kinds?.add(exported.value)
        batch.push(JSON.stringify(exported.value))
        written++
        return batch.length >= 512 ? flush : undefined
      }, { readOnly: true }).pipe(Effect.mapError((e) => (e._tag === "ExportError" ? e : new ExportError({ message: e.message }))))
    }
    // A --types entry no record has: a near miss of a type the runs hold is a typo, refused before the
    // file appears; any other is a type these runs happen not to cover, said in the summary.
    const absent = [...(types ?? [])].filter((t) => !present.has(t))
    for (const type of absent) {
      const guess = closest(type, [...present])
      if (guess === undefined) continue
      return yield* new ExportError({
        message: `--types ${type}: no record of that type in ${options.dirs.join(", ")} (did you mean ${guess}?); the runs hold ${[...present].sort().join(", ")}`
      })
    }
    yield* flush
    yield* file.sync.pipe(Effect.ignore)
    yield* fs.rename(temporary, options.out).pipe(Effect.mapError((e) => new ExportError({ message: `cannot write ${options.out} (${e.message})` })))
    return { written, skipped, notes, kindConflicts: kinds?.conflicts() ?? [], absentTypes: absent } satisfies ExportSummary
  }).pipe(Effect.scoped)
