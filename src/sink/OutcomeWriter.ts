import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Schema } from "effect"
import { Buffer } from "node:buffer"
import type { Conversation } from "../domain/Conversation.js"
import { jsonOnce } from "../domain/jsonOnce.js"
import type { Outcome } from "../domain/Outcome.js"
import type { DedupKeys } from "../quality/Dedup.js"
import { encodeEntry, KEYS_ENTRY_BYTES, type KeysEntry } from "./keysFile.js"
import { ProviderError } from "../domain/ProviderError.js"
import type { RunFiles } from "./RunDirectory.js"
import { SinkError } from "./SinkError.js"

const encodeError = Schema.encodeSync(ProviderError)

/** A line to write: one string, or the pieces it is joined from (written one after another). */
type Line = string | ReadonlyArray<string>

/** The line an outcome adds to its file: the record for accepted ones, the reason and raw output for rejected ones. */
export const outcomeLine = (outcome: Outcome, at: string, turnsJson?: string): { readonly file: "dataset" | "rejected" | "failures"; readonly line: Line } => {
  switch (outcome._tag) {
    case "accepted":
      return { file: "dataset", line: recordPieces(outcome.conversation, turnsJson) }
    case "rejected": {
      const { _tag, ...rest } = outcome
      return { file: "rejected", line: JSON.stringify({ ...rest, at }) }
    }
    case "failed":
      return { file: "failures", line: JSON.stringify({ id: outcome.id, error: encodeError(outcome.error), attempts: outcome.attempts, at }) }
  }
}

const TOOLS = `"tools":0`
const TURNS = `"turns":0`

/**
 * A record's JSON line, as the pieces it is joined from. The tool definitions are the same objects for
 * every record of a scenario and are about half of a record's text (`jsonOnce`); the turns' JSON is
 * `turnsJson` when the review made it already (for a review thread): both are taken as they are, and
 * only the rest of the record is serialised here. The writer writes the pieces one after another:
 * joining them would copy the whole line once more.
 */
export const recordPieces = (conversation: Conversation, turnsJson?: string): ReadonlyArray<string> => {
  // A record has both (its schema says so); a value that has not is serialised whole.
  if (!Array.isArray(conversation.tools) || !Array.isArray(conversation.turns)) return [JSON.stringify(conversation)]
  const line = JSON.stringify({ ...conversation, tools: 0, turns: 0 })
  // The object spread put a `"tools":0` and a `"turns":0` in the line; met once each, they are those
  // keys (a nested key or a string holding the same characters would be a second); any other layout
  // is serialised whole.
  const tools = line.indexOf(TOOLS)
  const turns = line.indexOf(TURNS)
  if (tools < 0 || turns < tools || line.includes(TOOLS, tools + 1) || line.includes(TURNS, turns + 1)) return [JSON.stringify(conversation)]
  return [line.slice(0, tools + 8), jsonOnce(conversation.tools), line.slice(tools + 9, turns + 8), turnsJson ?? JSON.stringify(conversation.turns), line.slice(turns + 9)]
}

/** A record's JSON line: exactly `JSON.stringify(conversation)`. */
export const recordLine = (conversation: Conversation): string => recordPieces(conversation).join("")

/** A line's length in UTF-8 bytes. */
const bytesOf = (line: Line): number => {
  if (typeof line === "string") return Buffer.byteLength(line)
  let bytes = 0
  for (const piece of line) bytes += Buffer.byteLength(piece)
  return bytes
}

/**
 * Lines to bytes, each with its newline, in one buffer reused from batch to batch (allocating a fresh
 * one per batch cost more than the encoding itself). The bytes are valid until the next call.
 */
const lineEncoder = () => {
  let buffer = Buffer.allocUnsafe(1 << 20)
  /** `sizes`: the lines' lengths in bytes, when the caller has them already. */
  return (lines: ReadonlyArray<Line>, sizes: ReadonlyArray<number> = lines.map(bytesOf)): Uint8Array => {
    let size = lines.length
    for (const bytes of sizes) size += bytes
    if (size > buffer.length) buffer = Buffer.allocUnsafe(Math.max(size, buffer.length * 2))
    let offset = 0
    for (const line of lines) {
      if (typeof line === "string") offset += buffer.write(line, offset)
      else for (const piece of line) offset += buffer.write(piece, offset)
      buffer[offset++] = 10
    }
    return buffer.subarray(0, offset)
  }
}

/** An outcome to write, with the dedup keys of an accepted one (for the dataset's index). */
export interface Written {
  readonly outcome: Outcome
  readonly keys?: DedupKeys | undefined
  /** `JSON.stringify` of an accepted conversation's turns, when the review made it already. */
  readonly turnsJson?: string | undefined
}

/** The audit log's line for an outcome: what happened, never a key or the conversation itself. */
const logLine = (outcome: Outcome, at: string): string =>
  JSON.stringify(
    outcome._tag === "accepted"
      ? { at, event: "accepted", id: outcome.conversation.id, provider: outcome.conversation.provenance.provider, model: outcome.conversation.provenance.model, quality_score: outcome.conversation.quality_score }
      : outcome._tag === "rejected"
      ? { at, event: "rejected", id: outcome.id, reason: outcome.rejection.reason, message: outcome.rejection.message, provider: outcome.provider, attempts: outcome.attempts }
      : { at, event: "failed", id: outcome.id, reason: outcome.error.reason, message: outcome.error.message, provider: outcome.error.provider, attempts: outcome.attempts }
  )

/**
 * Appends outcomes to the run's files, a batch at a time, one write per file per batch. Every line ends
 * with its newline in the same write, so a crash leaves at most a torn last line (cut on resume). A
 * failed write (disk full, read-only) stops the run with the file named.
 */
export const makeOutcomeWriter = (files: RunFiles) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const open = (path: string) =>
      fs.open(path, { flag: "a" }).pipe(
        Effect.mapError((error) => new SinkError({ reason: "Unwritable", message: `cannot open ${path} for writing (${error.message})` }))
      )
    const handles = {
      dataset: yield* open(files.dataset),
      keys: yield* open(files.keys),
      rejected: yield* open(files.rejected),
      failures: yield* open(files.failures),
      log: yield* open(files.log)
    }
    const paths = { dataset: files.dataset, keys: files.keys, rejected: files.rejected, failures: files.failures, log: files.log }
    const sizeOf = (path: string) => Effect.map(Effect.orElseSucceed(fs.stat(path), () => ({ size: 0n })), (info) => Number(info.size))
    /** Bytes each file holds: where to cut back to if a write fails halfway (a full disk). */
    const sizes = {
      dataset: yield* sizeOf(files.dataset),
      keys: yield* sizeOf(files.keys),
      rejected: yield* sizeOf(files.rejected),
      failures: yield* sizeOf(files.failures),
      log: yield* sizeOf(files.log)
    }
    const encode = lineEncoder()
    const append = (file: keyof typeof handles, lines: ReadonlyArray<Line>, sizes?: ReadonlyArray<number>) =>
      lines.length === 0 ? Effect.void : appendBytes(file, encode(lines, sizes))
    const appendBytes = (file: keyof typeof handles, bytes: Uint8Array) =>
      handles[file].writeAll(bytes).pipe(
        Effect.tap(() => Effect.sync(() => (sizes[file] += bytes.length))),
        Effect.tapError(() => fs.truncate(paths[file], sizes[file]).pipe(Effect.ignore)),
        Effect.mapError((error) =>
          new SinkError({
            reason: "WriteFailed",
            message: `cannot write ${paths[file]} (${error.message}); the run stopped with no partial line written: free the space or fix the permissions and run again to resume`
          })
        )
      )
    /**
     * Writes a batch; data files before the log, so the log never mentions a line that is not there,
     * and the dataset before its index, so the index never vouches for a line that is not there.
     */
    const write = (batch: ReadonlyArray<Written>) =>
      Effect.gen(function*() {
        const at = new Date().toISOString()
        const byFile = { dataset: [] as Array<Line>, rejected: [] as Array<Line>, failures: [] as Array<Line> }
        const entries: Array<KeysEntry> = []
        for (const { outcome, keys, turnsJson } of batch) {
          const { file, line } = outcomeLine(outcome, at, turnsJson)
          byFile[file].push(line)
          if (outcome._tag === "accepted") entries.push({ lineBytes: bytesOf(line), id: outcome.conversation.id, keys, complexity: outcome.conversation.complexity })
        }
        yield* append("dataset", byFile.dataset, entries.map((e) => e.lineBytes))
        if (entries.length > 0) {
          const bytes = new Uint8Array(entries.length * KEYS_ENTRY_BYTES)
          entries.forEach((entry, i) => encodeEntry(entry, bytes, i * KEYS_ENTRY_BYTES))
          yield* appendBytes("keys", bytes)
        }
        yield* append("rejected", byFile.rejected)
        yield* append("failures", byFile.failures)
        yield* append("log", batch.map((w) => logLine(w.outcome, at)))
      })
    const log = (event: Record<string, unknown>) => append("log", [JSON.stringify({ at: new Date().toISOString(), ...event })])
    return { write, log }
  })
