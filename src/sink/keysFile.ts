import type { Complexity } from "../domain/Conversation.js"
import { type DedupKeys, fnv } from "../quality/Dedup.js"
import type { KeptBatch } from "../quality/Scorer.js"

/**
 * `dataset.keys`: beside `dataset.jsonl`, one fixed-size binary entry per dataset line, in the same
 * order, holding what a resumed run needs from the line besides its id: the line's length in bytes (a
 * line whose length differs is not trusted and is read in full), its dedup keys and its complexity (for
 * quotas). With it, resuming 100k conversations reads ids and entries instead of parsing every record
 * and recomputing every signature. It is an index, never the data: when it is missing, short or does not
 * match, the lines it does not vouch for are parsed and it is rewritten.
 *
 * Entry layout (80 bytes, little-endian): line bytes u32 · exact key u32 u32 · signature 60 × u8 ·
 * complexity u8 (0 none, 1 low, 2 medium, 3 high) · flags u8 (1: has dedup keys) · hash of the record's
 * id u32 (so that an entry never vouches for another line of the same length) · 2 bytes zero.
 */
export const KEYS_ENTRY_BYTES = 80

export interface KeysEntry {
  readonly lineBytes: number
  /** The record's id, whose hash the entry keeps. */
  readonly id: string
  readonly keys: DedupKeys | undefined
  readonly complexity: Complexity | undefined
}

const COMPLEXITIES: ReadonlyArray<Complexity | undefined> = [undefined, "low", "medium", "high"]

export const encodeEntry = (entry: KeysEntry, out: Uint8Array = new Uint8Array(KEYS_ENTRY_BYTES), at = 0): Uint8Array => {
  out.fill(0, at, at + KEYS_ENTRY_BYTES)
  putU32(out, at, entry.lineBytes)
  if (entry.keys !== undefined) {
    putU32(out, at + 4, entry.keys.exact[0])
    putU32(out, at + 8, entry.keys.exact[1])
    out.set(entry.keys.signature, at + 12)
    out[at + 73] = 1
  }
  out[at + 72] = Math.max(0, COMPLEXITIES.indexOf(entry.complexity))
  putU32(out, at + 74, idHash(entry.id))
  return out
}

/** The hash an entry keeps of its record's id. */
export const idHash = fnv

/** Whether the entry at `at` was written for the record with this id. */
export const entryIsFor = (bytes: Uint8Array, at: number, id: string): boolean => u32(bytes, at + 74) === idHash(id)

const putU32 = (b: Uint8Array, i: number, value: number) => {
  b[i] = value & 0xff
  b[i + 1] = (value >>> 8) & 0xff
  b[i + 2] = (value >>> 16) & 0xff
  b[i + 3] = (value >>> 24) & 0xff
}

const u32 = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0

/** An entry read from `bytes` (its signature a view into them, valid while they are), its id as a hash. */
export const decodeEntry = (bytes: Uint8Array, at: number): Omit<KeysEntry, "id"> & { readonly idHash: number } => ({
  lineBytes: u32(bytes, at),
  idHash: u32(bytes, at + 74),
  keys: (bytes[at + 73]! & 1) === 1 ? { exact: [u32(bytes, at + 4), u32(bytes, at + 8)], signature: bytes.subarray(at + 12, at + 72) } : undefined,
  complexity: COMPLEXITIES[bytes[at + 72]!]
})

/** Entries `from` (bytes holding them back to back) as a batch for the scorer, with their ids. */
export const keptBatch = (ids: ReadonlyArray<string>, from: Uint8Array): KeptBatch => {
  const n = ids.length
  const exact = new Uint32Array(2 * n)
  const signatures = new Uint8Array(60 * n)
  const withKeys = new Uint8Array(n)
  const complexity: Array<Complexity | undefined> = []
  for (let i = 0; i < n; i++) {
    const at = i * KEYS_ENTRY_BYTES
    exact[2 * i] = u32(from, at + 4)
    exact[2 * i + 1] = u32(from, at + 8)
    signatures.set(from.subarray(at + 12, at + 72), 60 * i)
    withKeys[i] = from[at + 73]! & 1
    complexity.push(COMPLEXITIES[from[at + 72]!])
  }
  return { ids, exact, signatures, withKeys, complexity }
}

/** The line length an entry vouches for, without decoding the rest. */
export const entryLineBytes = (bytes: Uint8Array, at: number): number => u32(bytes, at)
