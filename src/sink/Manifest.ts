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
  /** This session's figures per provider. */
  readonly providers: ReadonlyArray<ProviderSummary>
  /**
   * Every session's figures per provider and model, summed (the state is the latest). Absent in
   * manifests written before it existed; a run resumed from one counts its last session as the start.
   */
  readonly providers_total?: ReadonlyArray<ProviderSummary>
}

/** Per provider and model, `earlier` sessions' figures plus `now`'s (whose state wins). */
export const addProviderFigures = (earlier: ReadonlyArray<ProviderSummary>, now: ReadonlyArray<ProviderSummary>): ReadonlyArray<ProviderSummary> => {
  const key = (p: ProviderSummary) => `${p.provider}\u0000${p.model}`
  const sums = new Map(earlier.map((p) => [key(p), p] as const))
  for (const p of now) {
    const before = sums.get(key(p))
    sums.set(key(p), before === undefined ? p : {
      ...p,
      requests: before.requests + p.requests,
      retries: (before.retries ?? 0) + (p.retries ?? 0),
      succeeded: before.succeeded + p.succeeded,
      failed: before.failed + p.failed,
      rate_limited: before.rate_limited + p.rate_limited,
      prompt_tokens: before.prompt_tokens + p.prompt_tokens,
      completion_tokens: before.completion_tokens + p.completion_tokens
    })
  }
  return [...sums.values()]
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
