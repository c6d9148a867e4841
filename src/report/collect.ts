import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Data, Effect } from "effect"
import type { Conversation } from "../domain/Conversation.js"
import { scanJsonl } from "../sink/jsonlScan.js"
import { type Manifest, readManifest } from "../sink/Manifest.js"

export class ReportError extends Data.TaggedError("ReportError")<{ readonly message: string }> {}

type Counts = Record<string, number>

interface RejectedLine {
  readonly id: string
  /** Absent only in a hand-edited or foreign line: the report says "unknown reason" then. */
  readonly rejection?: { readonly reason: string; readonly message: string; readonly score?: number }
  readonly conversation?: Conversation
  readonly raw?: string
}

/** Everything the report shows, gathered in one streaming pass over the run directory. */
export interface ReportData {
  readonly dir: string
  readonly manifest: Manifest | undefined
  readonly accepted: number
  readonly rejected: number
  readonly failed: number
  /** planned → generated → valid → above threshold → unique (kept). */
  readonly funnel: ReadonlyArray<{ readonly stage: string; readonly count: number }>
  readonly byType: Readonly<Record<string, { accepted: number; rejected: number; failed: number }>>
  readonly byScenario: Readonly<Record<string, number>>
  /** Accepted conversations per quality band of 0.1 (index 0: [0, 0.1), …, 9: [0.9, 1]). */
  readonly qualityHistogram: ReadonlyArray<number>
  readonly dimensionMeans: Readonly<Record<string, number>>
  readonly meanQuality: number | undefined
  readonly complexity: Counts
  readonly patterns: Counts
  readonly callsPerTool: Counts
  /** Accepted conversations by number of calls made / turns. */
  readonly callsPerConversation: Counts
  readonly turnsPerConversation: Counts
  readonly rejections: Counts
  readonly failures: Counts
  /** Accepted conversations created per minute since the first. */
  readonly throughput: ReadonlyArray<{ readonly minute: number; readonly count: number }>
  /** From the first accepted conversation's creation to the last's, in ms (0 with fewer than two). */
  readonly spanMs: number
  readonly samples: { readonly accepted: ReadonlyArray<Conversation>; readonly rejected: ReadonlyArray<RejectedLine> }
}

const bump = (counts: Counts, key: string, by = 1) => void (counts[key] = (counts[key] ?? 0) + by)

const DIMENSIONS = ["structure", "tool_use", "reasoning", "completeness", "naturalness"] as const

/**
 * Reads a run directory (never changing it): the manifest, then `dataset.jsonl`, `rejected.jsonl` and
 * `failures.jsonl` as streams. Keeps counts and a bounded sample (`samplesPerType` accepted per type,
 * `rejectedSamples` rejected), so a 100k-record run reports in constant memory.
 */
export const collectReport = (dir: string, options: { readonly samplesPerType?: number; readonly rejectedSamples?: number } = {}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dataset = path.join(dir, "dataset.jsonl")
    if (!(yield* fs.exists(dataset).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new ReportError({ message: `${dir} has no dataset.jsonl; give a run directory that generate wrote` })
    }
    const manifest = yield* readManifest(path.join(dir, "run.json")).pipe(Effect.mapError((e) => new ReportError({ message: e.message })))
    const perType = options.samplesPerType ?? 2
    const rejectedCap = options.rejectedSamples ?? 8
    const byType: Record<string, { accepted: number; rejected: number; failed: number }> = {}
    const typeEntry = (type: string) => (byType[type] ??= { accepted: 0, rejected: 0, failed: 0 })
    const byScenario: Counts = {}
    const histogram = new Array<number>(10).fill(0)
    const dimensionSums: Counts = {}
    let scored = 0
    let qualitySum = 0
    const complexity: Counts = {}
    const patterns: Counts = {}
    const callsPerTool: Counts = {}
    const callsPerConversation: Counts = {}
    const turnsPerConversation: Counts = {}
    const rejections: Counts = {}
    const failures: Counts = {}
    const minutes: Counts = {}
    let firstAt: number | undefined
    let lastAt: number | undefined
    const acceptedSamples: Array<Conversation> = []
    const sampledPerType: Counts = {}
    const rejectedSamples: Array<RejectedLine> = []
    let accepted = 0
    let rejected = 0
    let failed = 0

    const read = (file: string, onLine: (value: unknown) => void) =>
      scanJsonl(path.join(dir, file), onLine, { readOnly: true }).pipe(Effect.mapError((e) => new ReportError({ message: e.message })))

    yield* read("dataset.jsonl", (value) => {
      const c = value as Conversation
      accepted++
      typeEntry(c.scenario.type).accepted++
      bump(byScenario, `${c.scenario.type}/${c.scenario.id}`)
      if (c.quality_score !== undefined) {
        scored++
        qualitySum += c.quality_score
        histogram[Math.min(9, Math.floor(c.quality_score * 10))]!++
        for (const d of DIMENSIONS) bump(dimensionSums, d, c.quality?.[d] ?? 0)
      }
      if (c.complexity !== undefined) bump(complexity, c.complexity)
      for (const p of c.agentic_patterns ?? []) bump(patterns, p)
      let calls = 0
      for (const turn of c.turns) {
        if (turn.role === "assistant") for (const call of turn.tool_calls ?? []) {
          calls++
          bump(callsPerTool, call.function.name)
        }
      }
      bump(callsPerConversation, String(calls))
      bump(turnsPerConversation, String(c.turns.length))
      const at = Date.parse(c.provenance.created_at)
      if (Number.isFinite(at)) {
        firstAt = firstAt === undefined ? at : Math.min(firstAt, at)
        lastAt = lastAt === undefined ? at : Math.max(lastAt, at)
        bump(minutes, String(Math.floor(at / 60_000)))
      }
      if ((sampledPerType[c.scenario.type] ?? 0) < perType) {
        bump(sampledPerType, c.scenario.type)
        acceptedSamples.push(c)
      }
    })
    yield* read("rejected.jsonl", (value) => {
      const r = value as RejectedLine
      rejected++
      bump(rejections, r.rejection?.reason ?? "unknown")
      typeEntry(String(r.id ?? "").split("/")[0] || "unknown").rejected++
      if (rejectedSamples.length < rejectedCap) rejectedSamples.push(r)
    })
    yield* read("failures.jsonl", (value) => {
      const f = value as { id: string; error?: { reason?: string } }
      failed++
      bump(failures, f.error?.reason ?? "unknown")
      typeEntry(f.id.split("/")[0] ?? "unknown").failed++
    })

    const afterValidation = ["BelowThreshold", "Duplicate", "OverQuota"]
    const valid = accepted + afterValidation.reduce((n, r) => n + (rejections[r] ?? 0), 0)
    const aboveThreshold = valid - (rejections["BelowThreshold"] ?? 0)
    const firstMinute = firstAt === undefined ? 0 : Math.floor(firstAt / 60_000)
    return {
      dir,
      manifest,
      accepted,
      rejected,
      failed,
      funnel: [
        { stage: "planned", count: manifest?.counts.planned ?? accepted + rejected + failed },
        { stage: "generated", count: accepted + rejected },
        { stage: "valid", count: valid },
        { stage: "above threshold", count: aboveThreshold },
        { stage: "unique (kept)", count: accepted }
      ],
      byType,
      byScenario,
      qualityHistogram: histogram,
      dimensionMeans: Object.fromEntries(DIMENSIONS.map((d) => [d, scored === 0 ? 0 : (dimensionSums[d] ?? 0) / scored])),
      meanQuality: scored === 0 ? undefined : qualitySum / scored,
      complexity,
      patterns,
      callsPerTool,
      callsPerConversation,
      turnsPerConversation,
      rejections,
      failures,
      spanMs: firstAt === undefined || lastAt === undefined ? 0 : lastAt - firstAt,
      throughput: Object.entries(minutes).map(([m, count]) => ({ minute: Number(m) - firstMinute, count })).sort((a, b) => a.minute - b.minute),
      samples: { accepted: acceptedSamples, rejected: rejectedSamples }
    } satisfies ReportData
  })
