import * as FileSystem from "@effect/platform/FileSystem"
import { Effect } from "effect"
import { SinkError } from "./SinkError.js"

/** What makes two runs' data the same kind of data: resuming with a different one is refused. */
export type Fingerprint = Readonly<Record<string, string | number | boolean | null>>

export interface ProviderSummary {
  readonly provider: string
  readonly model: string
  readonly state: string
  readonly requests: number
  readonly retries: number
  readonly succeeded: number
  readonly failed: number
  readonly rate_limited: number
  readonly prompt_tokens: number
  readonly completion_tokens: number
}

/** `run.json`: the run's identity, configuration (no keys), plan and counts. */
export interface Manifest {
  readonly run_id: string
  readonly created_at: string
  readonly updated_at: string
  readonly status: "running" | "finished" | "interrupted" | "failed"
  /** How many times a `generate` worked on this directory. */
  readonly sessions: number
  readonly fingerprint: Fingerprint
  readonly config: unknown
  readonly plan: { readonly max_items: number; readonly types: ReadonlyArray<string>; readonly shard: string | null }
  /** This session: planned = skipped (done before) + accepted + rejected + failed + remaining. */
  readonly counts: {
    readonly planned: number
    readonly skipped: number
    readonly accepted: number
    readonly rejected: number
    readonly failed: number
    readonly remaining: number
  }
  /** Lines in the files, all sessions. */
  readonly totals: { readonly accepted: number; readonly rejected: number; readonly failures: number }
  readonly providers: ReadonlyArray<ProviderSummary>
}

/** Writes `run.json` by atomic rename, so a reader never sees half of it. */
export const writeManifest = (path: string, manifest: Manifest) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(`${path}.tmp`, JSON.stringify(manifest, null, 2) + "\n")
    yield* fs.rename(`${path}.tmp`, path)
  }).pipe(Effect.mapError((error) => new SinkError({ reason: "WriteFailed", message: `cannot write ${path} (${error.message})` })))

export const readManifest = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(Effect.option)
    if (text._tag === "None") return undefined
    try {
      return JSON.parse(text.value) as Manifest
    } catch {
      return yield* new SinkError({ reason: "Corrupt", message: `${path} is not valid JSON; remove it to start the run's manifest afresh` })
    }
  })

/** The keys on which two fingerprints differ, as `key: old → new`. */
export const fingerprintChanges = (before: Fingerprint, after: Fingerprint): ReadonlyArray<string> =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => `${key}: ${JSON.stringify(before[key] ?? null)} → ${JSON.stringify(after[key] ?? null)}`)
