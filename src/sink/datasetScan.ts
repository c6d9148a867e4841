import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Fiber } from "effect"
import { Buffer } from "node:buffer"
import type { KeptBatch } from "../quality/Scorer.js"
import { encodeEntry, entryIsFor, entryLineBytes, KEYS_ENTRY_BYTES, keptBatch, type KeysEntry } from "./keysFile.js"
import { SinkError } from "./SinkError.js"

export interface DatasetHandlers {
  /** Lines their index entries vouch for, a batch at a time: the records' ids and what the entries hold. */
  readonly onKnown: (batch: KeptBatch) => Effect.Effect<void, SinkError>
  /** A line read in full (no entry, or one that does not match it): what its entry should hold. */
  readonly onRecord: (record: unknown) => Effect.Effect<Omit<KeysEntry, "lineBytes" | "id">, SinkError>
  /** Told first how many lines the index holds (to make room for them). */
  readonly onIndexed?: (entries: number) => Effect.Effect<void>
}

const NEWLINE = 10
const QUOTE = 34
const BACKSLASH = 92
const PREFIX = [123, 34, 105, 100, 34, 58, 34] // {"id":"

/**
 * The id of the line `bytes[start, end)` as the writer writes it (`{"id":"...` first, no escapes), or
 * undefined. Read in place: a view per line cost more than the check.
 */
const idOf = (bytes: Uint8Array, start: number, end: number, decoder: TextDecoder): string | undefined => {
  if (end - start < PREFIX.length + 2) return undefined
  for (let i = 0; i < PREFIX.length; i++) if (bytes[start + i] !== PREFIX[i]) return undefined
  let ascii = true
  for (let i = start + PREFIX.length; i < end; i++) {
    const byte = bytes[i]!
    if (byte === BACKSLASH) return undefined
    if (byte === QUOTE) {
      const from = start + PREFIX.length
      if (!ascii) return decoder.decode(bytes.subarray(from, i))
      let id = ""
      for (let j = from; j < i; j++) id += String.fromCharCode(bytes[j]!)
      return id
    }
    if (byte >= 128) ascii = false
  }
  return undefined
}

/**
 * Reads `dataset.jsonl` with its index `dataset.keys` (keysFile.ts): a line whose entry has its exact
 * length and its id's hash, and that starts as the writer writes it, is taken from the entry; any other line is parsed (a
 * line that does not parse is damage: the scan fails, naming it, and changes nothing) and given a new
 * entry. The index is rewritten when it did not match. A torn last line (a crash mid-write) is cut.
 */
export const scanDataset = (
  paths: { readonly dataset: string; readonly keys: string },
  handlers: DatasetHandlers,
  /** Whether to rewrite an index that did not match (not when the handlers do not compute entries). */
  updateIndex = true
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const unreadable = (path: string) => (error: { message: string }) => new SinkError({ reason: "Unwritable", message: `cannot read ${path} (${error.message})` })
    const hasKeys = yield* fs.exists(paths.keys).pipe(Effect.orElseSucceed(() => false))
    if (!(yield* fs.exists(paths.dataset).pipe(Effect.orElseSucceed(() => false)))) {
      if (hasKeys && updateIndex) yield* fs.remove(paths.keys).pipe(Effect.mapError(unreadable(paths.keys)))
      return { lines: 0, cut: 0 }
    }
    const index = hasKeys ? yield* fs.readFile(paths.keys).pipe(Effect.mapError(unreadable(paths.keys))) : new Uint8Array(0)
    const indexed = Math.floor(index.length / KEYS_ENTRY_BYTES)
    if (handlers.onIndexed !== undefined) yield* handlers.onIndexed(indexed)
    const decoder = new TextDecoder()
    let entries = new Uint8Array(Math.max(indexed, 1024) * KEYS_ENTRY_BYTES)
    // The entries of vouched-for lines are the index's own; a line read in full overwrites its entry.
    entries.set(index.subarray(0, indexed * KEYS_ENTRY_BYTES))
    let rewrite = indexed * KEYS_ENTRY_BYTES !== index.length
    let lines = 0
    let offset = 0 // bytes of complete lines so far
    let pending: Uint8Array = new Uint8Array(0)

    // Vouched-for lines since the last batch: their ids, and their entries (from `knownFrom` on).
    let knownIds: Array<string> = []
    let knownFrom = 0
    const flushKnown = Effect.suspend(() => {
      if (knownIds.length === 0) return Effect.void
      const batch = handlers.onKnown(keptBatch(knownIds, entries.subarray(knownFrom)))
      knownIds = []
      knownFrom = lines * KEYS_ENTRY_BYTES
      return batch
    })
    /**
     * The line `bytes[start, end)` when its entry vouches for it: taken without parsing it (its entry is
     * already in `entries`, copied from the index); false when it must be read in full.
     */
    const known = (bytes: Uint8Array, start: number, end: number): boolean => {
      if (lines >= indexed || end === start) return false
      const at = lines * KEYS_ENTRY_BYTES
      const id = entryLineBytes(index, at) === end - start ? idOf(bytes, start, end, decoder) : undefined
      if (id === undefined || !entryIsFor(index, at, id)) return false
      offset += end - start + 1
      lines++
      knownIds.push(id)
      return true
    }
    const room = () => {
      if (lines * KEYS_ENTRY_BYTES > entries.length) {
        const grown = new Uint8Array(entries.length * 2)
        grown.set(entries)
        entries = grown
      }
    }
    /** Any other line: parsed, handed on, given a new entry. */
    const line = (bytes: Uint8Array): Effect.Effect<void, SinkError> => {
      offset += bytes.length + 1
      const text = decoder.decode(bytes)
      if (text.trim() === "") return Effect.void
      rewrite = true
      const at = lines * KEYS_ENTRY_BYTES
      lines++
      room()
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return Effect.fail(new SinkError({ reason: "Corrupt", message: `${paths.dataset} line ${lines} is not valid JSON (${JSON.stringify(text.slice(0, 40))}...); repair or remove that line, nothing was changed` }))
      }
      // In file order: what came before is remembered before this record.
      return Effect.zipRight(flushKnown, Effect.map(handlers.onRecord(value), (kept) => {
        encodeEntry({ ...kept, lineBytes: bytes.length, id: String((value as { id?: unknown } | null)?.id ?? "") }, entries, at)
        knownFrom = lines * KEYS_ENTRY_BYTES
      }))
    }
    const each = (bytes: Uint8Array, start: number, end: number) => (known(bytes, start, end) ? undefined : line(bytes.subarray(start, end)))

    // Read into one reused buffer: a fresh one per chunk (as a stream gives) cost ten times the reading.
    // A Buffer, for its `indexOf`: Node's finds a byte with memchr, ten times faster than a Uint8Array's
    // (35 against 330 ms over a 455 MB dataset).
    // Two of them: the next chunk is read (on libuv's threads) while this one is checked.
    const chunks = [Buffer.allocUnsafe(4 << 20), Buffer.allocUnsafe(4 << 20)] as const
    yield* Effect.scoped(Effect.gen(function*() {
      const file = yield* fs.open(paths.dataset, { flag: "r" }).pipe(Effect.mapError(unreadable(paths.dataset)))
      // Forked, then a yield: the read starts now, not when this fiber next waits.
      const read = (k: number) =>
        Effect.zipLeft(Effect.fork(Effect.map(file.read(chunks[k & 1]!).pipe(Effect.mapError(unreadable(paths.dataset))), Number)), Effect.yieldNow())
      let reading = yield* read(0)
      for (let k = 0;; k++) {
        const size = yield* Fiber.join(reading)
        if (size === 0) break
        reading = yield* read(k + 1)
        const data = chunks[k & 1]!.subarray(0, size)
        let start = 0
        // A line split across reads: joined with the head of this one; the rest is read in place.
        if (pending.length > 0) {
          const end = data.indexOf(NEWLINE)
          if (end < 0) {
            const joined = new Uint8Array(pending.length + size)
            joined.set(pending)
            joined.set(data, pending.length)
            pending = joined
            continue
          }
          const joined = new Uint8Array(pending.length + end)
          joined.set(pending)
          joined.set(data.subarray(0, end), pending.length)
          const slow = each(joined, 0, joined.length)
          if (slow !== undefined) yield* slow
          start = end + 1
        }
        for (let i = data.indexOf(NEWLINE, start); i >= 0; i = data.indexOf(NEWLINE, start)) {
          const slow = each(data, start, i)
          if (slow !== undefined) yield* slow
          start = i + 1
        }
        // A copy: the chunk is read into again (a Buffer's `slice` would be a view of it).
        pending = new Uint8Array(data.subarray(start))
        yield* flushKnown
      }
    }))
    const cantWrite = (path: string) => (error: { message: string }) => new SinkError({ reason: "Unwritable", message: `cannot write ${path} (${error.message})` })
    if (pending.length > 0) yield* fs.truncate(paths.dataset, offset).pipe(Effect.mapError(cantWrite(paths.dataset)))
    if (updateIndex && (rewrite || lines !== indexed)) {
      // Whole or not at all: written beside, then renamed over the old index.
      yield* fs.writeFile(`${paths.keys}.tmp`, entries.subarray(0, lines * KEYS_ENTRY_BYTES)).pipe(Effect.mapError(cantWrite(paths.keys)))
      yield* fs.rename(`${paths.keys}.tmp`, paths.keys).pipe(Effect.mapError(cantWrite(paths.keys)))
    }
    return { lines, cut: pending.length }
  })
