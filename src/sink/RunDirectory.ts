import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect } from "effect"
import { type DatasetHandlers, scanDataset } from "./datasetScan.js"
import { scanJsonl } from "./jsonlScan.js"
import { type Fingerprint, fingerprintChanges, type Manifest, readManifest } from "./Manifest.js"
import { probeWritable } from "./outputDir.js"
import { SinkError } from "./SinkError.js"

/** The files of a run directory. */
export const runFiles = (path: Path.Path, dir: string) => ({
  dir,
  dataset: path.join(dir, "dataset.jsonl"),
  /** The dataset's index for resuming (keysFile.ts). */
  keys: path.join(dir, "dataset.keys"),
  rejected: path.join(dir, "rejected.jsonl"),
  failures: path.join(dir, "failures.jsonl"),
  manifest: path.join(dir, "run.json"),
  log: path.join(dir, "log.jsonl"),
  providers: path.join(dir, "providers.json"),
  lock: path.join(dir, "run.lock"),
  /** Present only between the two renames of a rescore. */
  rescoreCommit: path.join(dir, "rescore.commit")
})
export type RunFiles = ReturnType<typeof runFiles>

/** What a run directory already holds when a run starts. */
export interface RunState {
  readonly files: RunFiles
  readonly previous: Manifest | undefined
  /** Ids in dataset.jsonl or rejected.jsonl: skipped on resume. */
  readonly done: ReadonlySet<string>
  readonly accepted: number
  readonly rejected: number
  readonly failures: number
  /** Torn last lines cut, per file. */
  readonly cut: ReadonlyArray<string>
  /** Where older data was set aside by --force. */
  readonly setAside: string | undefined
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Completes a rescore that stopped between its two renames (its commit marker is there), or discards
 * one that stopped before committing (stray `.rescore` files), so the pair of files is always consistent.
 */
const finishRescore = (files: RunFiles) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const committed = yield* fs.exists(files.rescoreCommit)
    for (const file of [files.dataset, files.rejected]) {
      if (!(yield* fs.exists(`${file}.rescore`))) continue
      if (committed) yield* fs.rename(`${file}.rescore`, file)
      else yield* fs.remove(`${file}.rescore`)
    }
    if (committed) yield* fs.remove(files.rescoreCommit)
  }).pipe(Effect.mapError((e) => new SinkError({ reason: "Unwritable", message: `cannot finish an interrupted rescore in ${files.dir} (${e.message})` })))

/** Cuts a last line that lacks its newline, reading only the end of the file. */
const cutTornTail = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(path).pipe(Effect.option)
    if (info._tag === "None" || info.value.size === 0n) return
    const size = Number(info.value.size)
    const start = Math.max(0, size - 65_536)
    const tail = yield* Effect.scoped(Effect.gen(function*() {
      const file = yield* fs.open(path, { flag: "r" })
      yield* file.seek(start, "start")
      return yield* file.readAlloc(size - start)
    }))
    const bytes = tail._tag === "Some" ? tail.value : new Uint8Array(0)
    if (bytes.length === 0 || bytes[bytes.length - 1] === 10) return
    const lastNewline = bytes.lastIndexOf(10)
    yield* fs.truncate(path, lastNewline < 0 ? start : start + lastNewline + 1)
  }).pipe(Effect.mapError((e) => new SinkError({ reason: "Unwritable", message: `cannot repair the end of ${path} (${e.message})` })))

const idOf = (ids: Set<string>) => (value: unknown) => {
  const id = (value as { id?: unknown } | null)?.id
  if (typeof id === "string") ids.add(id)
}

/**
 * Opens (or creates) a run directory for writing: refuses a directory another live process is writing,
 * or one holding data made with another configuration (unless `force`, which sets the old files aside
 * in `previous-<time>/`); cuts torn last lines; collects the ids already done. The lock is released when
 * the scope closes.
 */
export const openRunDirectory = (
  dir: string,
  fingerprint: Fingerprint,
  force: boolean,
  /**
   * See every record already in dataset.jsonl, or its id and index entry (to rebuild the dedup index).
   * Without them the dataset's index is read but left as it is.
   */
  handlers?: DatasetHandlers
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const files = runFiles(path, dir)
    yield* probeWritable(dir).pipe(
      Effect.mapError((problem) => new SinkError({ reason: "Unwritable", message: `cannot write the run directory: ${problem}; choose another --output` }))
    )
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(
      Effect.mapError((error) => new SinkError({ reason: "Unwritable", message: `cannot create ${dir} (${error.message}); choose another --output` }))
    )

    // One writer at a time: a lock naming a live process refuses; a stale one (after a crash) is taken over.
    // Created exclusively: of two processes starting at once, one gets the lock, the other is told.
    const takeLock = fs.writeFileString(files.lock, String(process.pid), { flag: "wx" })
    yield* Effect.acquireRelease(
      takeLock.pipe(
        Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "AlreadyExists", () =>
          Effect.gen(function*() {
            const holder = Number((yield* fs.readFileString(files.lock).pipe(Effect.orElseSucceed(() => ""))).trim())
            if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
              return yield* new SinkError({ reason: "Locked", message: `another agentic-synth (pid ${holder}) is writing ${dir}; wait for it to finish or use another --output` })
            }
            yield* fs.writeFileString(files.lock, String(process.pid))
          })),
        Effect.mapError((error) =>
          error._tag === "SinkError" ? error : new SinkError({ reason: "Unwritable", message: `cannot write ${files.lock} (${error.message})` })
        )
      ),
      () => fs.remove(files.lock).pipe(Effect.ignore)
    )
    yield* finishRescore(files)

    const previous = yield* readManifest(files.manifest)
    const hasData = (yield* fs.exists(files.dataset).pipe(Effect.orElseSucceed(() => false))) ||
      (yield* fs.exists(files.rejected).pipe(Effect.orElseSucceed(() => false)))
    const changes = previous === undefined ? ["no run.json"] : fingerprintChanges(previous.fingerprint, fingerprint)
    /** How to ask for the directory's own settings again, where a flag or a config key does it. */
    const sameSettings = (before: Fingerprint | undefined) => {
      if (before === undefined) return ""
      const asFlag: Record<string, (value: unknown) => string> = {
        seed: (v) => `--seed ${v}`,
        types: (v) => (v === "all" ? "no --types" : `--types ${v}`),
        min_score: (v) => `--min-quality ${v}`,
        temperature: (v) => `generation.temperature: ${v}`,
        dedup: (v) => `quality.dedup: ${v}`,
        dedup_threshold: (v) => `quality.dedup_threshold: ${v}`
      }
      const hints = Object.keys(before)
        .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(fingerprint[key]) && asFlag[key] !== undefined)
        .map((key) => asFlag[key]!(before[key]))
      return hints.length === 0 ? "" : ` (${hints.join(", ")})`
    }
    let setAside: string | undefined
    if (hasData && changes.length > 0) {
      if (!force) {
        return yield* new SinkError({
          reason: "ConfigMismatch",
          message: `${dir} holds data generated with another configuration (${changes.join(", ")}); ` +
            `resume with the same settings${sameSettings(previous?.fingerprint)}, choose another --output, or add --force to set the old files aside`
        })
      }
      setAside = path.join(dir, `previous-${new Date().toISOString().replace(/[:.]/g, "-")}`)
      yield* fs.makeDirectory(setAside, { recursive: true })
      for (const file of [files.dataset, files.keys, files.rejected, files.failures, files.manifest, files.log, files.providers]) {
        if (yield* fs.exists(file)) yield* fs.rename(file, path.join(setAside, path.basename(file)))
      }
    }

    const done = new Set<string>()
    const cut: Array<string> = []
    const addId = idOf(done)
    const dataset = yield* scanDataset(files, {
      ...(handlers?.onIndexed === undefined ? {} : { onIndexed: handlers.onIndexed }),
      onKnown: (batch) => {
        for (const id of batch.ids) done.add(id)
        return handlers?.onKnown(batch) ?? Effect.void
      },
      onRecord: (record) => {
        addId(record)
        return handlers?.onRecord(record) ?? Effect.succeed({ keys: undefined, complexity: undefined })
      }
    }, handlers !== undefined)
    const rejected = yield* scanJsonl(files.rejected, idOf(done))
    const failures = yield* scanJsonl(files.failures, () => undefined)
    // The audit log is not data, but a torn line there would glue itself to the next session's first
    // event. Only its tail is read: the log grows by a line per item, and start-up should not read it all.
    yield* cutTornTail(files.log)
    for (const [name, scan] of [["dataset.jsonl", dataset], ["rejected.jsonl", rejected], ["failures.jsonl", failures]] as const) {
      if (scan.cut > 0) cut.push(`${name} (${scan.cut} bytes)`)
    }
    return {
      files,
      previous: setAside === undefined ? previous : undefined,
      done,
      accepted: dataset.lines,
      rejected: rejected.lines,
      failures: failures.lines,
      cut,
      setAside
    } satisfies RunState
  }).pipe(
    Effect.catchTag("BadArgument", (error) => Effect.fail(new SinkError({ reason: "Unwritable", message: error.message }))),
    Effect.catchTag("SystemError", (error) => Effect.fail(new SinkError({ reason: "Unwritable", message: `${error.message}` })))
  )
