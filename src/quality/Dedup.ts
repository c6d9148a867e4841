import type { Conversation } from "../domain/Conversation.js"
import { callSignature } from "./trace.js"

/** 60 MinHash values in 12 bands of 5: near-copies at Jaccard 0.8 meet in some band with p ≈ 0.99. */
const PERMUTATIONS = 60
const BANDS = 12
const ROWS = PERMUTATIONS / BANDS
/**
 * Candidates read per band, newest first. Real conversations rarely share a band unless they are close;
 * a template-heavy set can make chains long, and this keeps a lookup bounded there.
 */
const MAX_CANDIDATES_PER_BAND = 48

const FNV_OFFSET = 0x811c9dc5

const fnv = (text: string): number => {
  let h = FNV_OFFSET
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A 32-bit mixer (murmur3 finaliser) seeded per permutation. */
const mix = (x: number, seed: number): number => {
  let h = (x ^ seed) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
const SEEDS = Array.from({ length: PERMUTATIONS }, (_, i) => mix(i + 1, 0x9e3779b9))

const normalise = (text: string) => text.toLowerCase().replace(/[^a-z0-9\s]/g, " ").replace(/\s+/g, " ").trim()

/** Two independent 32-bit hashes of a key: a 64-bit fingerprint without keeping the text. */
const keyHash = (key: string): readonly [number, number] => {
  let h = 0x2545f491
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1)
  return [fnv(key), h >>> 0]
}

/** What makes two conversations the same: the user's first request and the calls made, normalised. */
export const exactKey = (conversation: Conversation): string => {
  const request = conversation.turns.find((t) => t.role === "user")?.content ?? ""
  const calls = conversation.turns.flatMap((t) => (t.role === "assistant" ? t.tool_calls ?? [] : [])).map(callSignature)
  return `${normalise(request)}|${calls.join(";")}`
}

/** Shingles a text's words, a piece at a time: the text is never built, and no word is made a string. */
class Shingler {
  private w1 = 0
  private w2 = 0
  private words = 0
  private word = FNV_OFFSET
  private inWord = false

  constructor(private readonly emit: (shingle: number) => void) {}

  /** Feeds a piece of text; pieces are separated as if by a space. */
  feed(text: string) {
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i)
      if (c >= 65 && c <= 90) c += 32
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        this.word = Math.imul(this.word ^ c, 0x01000193)
        this.inWord = true
      } else if (this.inWord) this.endWord()
    }
    if (this.inWord) this.endWord()
  }

  private endWord() {
    const w = this.word >>> 0
    this.words++
    if (this.words >= 3) this.emit(mix(Math.imul(this.w1, 0x9e3779b1) ^ Math.imul(this.w2, 0x85ebca6b) ^ w, 0x27d4eb2f))
    this.w1 = this.w2
    this.w2 = w
    this.word = FNV_OFFSET
    this.inWord = false
  }

  /** A text of fewer than three words is one shingle of what it has. */
  finish() {
    if (this.words < 3) this.emit(mix(Math.imul(this.w1, 0x9e3779b1) ^ Math.imul(this.w2, 0x85ebca6b) ^ this.words, 0x27d4eb2f))
  }
}

const EMPTY = 0xffffffff

/**
 * The conversation's signature over the word 3-shingles a reader sees (turns' text and the calls made,
 * lower-cased, punctuation dropped): one-permutation MinHash (each shingle hashed once into one of the
 * bins, the bin keeping its least value; Li, Owen & Zhang 2012), empty bins filled from the next full
 * one so that equal sets still agree (Shrivastava & Li 2014). One hash per shingle instead of one per
 * bin is sixty times less work, for the same estimate of Jaccard similarity.
 */
export const signature = (conversation: Conversation): Uint32Array => {
  const sig = new Uint32Array(PERMUTATIONS).fill(EMPTY)
  // A shingle's hash is already mixed: its residue picks the bin, the hash is the value.
  const shingler = new Shingler((shingle) => {
    const bin = shingle % PERMUTATIONS
    if (shingle < sig[bin]!) sig[bin] = shingle
  })
  for (const turn of conversation.turns) {
    shingler.feed(turn.content)
    if (turn.role === "assistant") for (const call of turn.tool_calls ?? []) shingler.feed(callSignature(call))
  }
  shingler.finish()
  densify(sig)
  return sig
}

const wasEmpty = new Uint8Array(PERMUTATIONS)

/** Fills each empty bin from the nearest bin after it (circularly) that was full, salted by the distance. */
const densify = (sig: Uint32Array) => {
  for (let i = 0; i < PERMUTATIONS; i++) wasEmpty[i] = sig[i] === EMPTY ? 1 : 0
  for (let i = 0; i < PERMUTATIONS; i++) {
    if (wasEmpty[i] === 0) continue
    for (let d = 1; d < PERMUTATIONS; d++) {
      const j = (i + d) % PERMUTATIONS
      if (wasEmpty[j] === 0) {
        sig[i] = mix(sig[j]!, SEEDS[d]!)
        break
      }
    }
  }
}

/** What the index looks a conversation up by: its exact key's 64-bit hash and its MinHash signature. */
export interface DedupKeys {
  readonly exact: readonly [number, number]
  readonly signature: Uint32Array
}

/** Computed once per conversation, for a lookup and then an insert. */
export const dedupKeys = (conversation: Conversation): DedupKeys => ({ exact: keyHash(exactKey(conversation)), signature: signature(conversation) })

export const similarity = (a: Uint32Array, b: Uint32Array): number => {
  let same = 0
  for (let i = 0; i < PERMUTATIONS; i++) if (a[i] === b[i]) same++
  return same / PERMUTATIONS
}

/**
 * An open-addressing hash table from 32-bit keys to the newest item with that key, in typed arrays
 * (no per-entry objects: 100k entries cost about a megabyte, and the garbage collector never walks them).
 */
class IntTable {
  private keys: Uint32Array
  private values: Int32Array
  private used = 0

  constructor(capacity = 1 << 12) {
    this.keys = new Uint32Array(capacity)
    this.values = new Int32Array(capacity).fill(-1)
  }

  private slot(key: number): number {
    const mask = this.keys.length - 1
    let i = Math.imul(key, 0x9e3779b1) >>> 0 & mask
    while (this.values[i] !== -1 && this.keys[i] !== key) i = (i + 1) & mask
    return i
  }

  get(key: number): number {
    return this.values[this.slot(key)]!
  }

  /** Sets `key` to `value` and returns the value it had (-1 when new). */
  set(key: number, value: number): number {
    if ((this.used + 1) * 2 > this.keys.length) this.grow()
    const i = this.slot(key)
    const previous = this.values[i]!
    if (previous === -1) this.used++
    this.keys[i] = key
    this.values[i] = value
    return previous
  }

  private grow() {
    const keys = this.keys
    const values = this.values
    this.keys = new Uint32Array(keys.length * 2)
    this.values = new Int32Array(values.length * 2).fill(-1)
    this.used = 0
    for (let i = 0; i < keys.length; i++) if (values[i] !== -1) this.set(keys[i]!, values[i]!)
  }
}

/**
 * The dedup index. Exact keys are 64-bit hashes (two 32-bit halves, the second checked on a hit);
 * MinHash signatures live in one growing typed array; per band, a table from the band's hash to the
 * newest item with it, older ones chained through a typed array. About 350 bytes a conversation.
 */
export class DedupIndex {
  private readonly ids: Array<string> = []
  private readonly exact = new IntTable()
  private exactCheck = new Uint32Array(1024)
  private exactNext = new Int32Array(1024)
  private signatures = new Uint32Array(PERMUTATIONS * 1024)
  private next = new Int32Array(BANDS * 1024)
  private readonly heads = Array.from({ length: BANDS }, () => new IntTable())

  constructor(private readonly threshold: number) {}

  get size(): number {
    return this.ids.length
  }

  private bandKey(sig: Uint32Array, band: number): number {
    let h = 0x811c9dc5
    for (let r = 0; r < ROWS; r++) {
      h ^= sig[band * ROWS + r]!
      h = Math.imul(h, 0x01000193)
    }
    return h >>> 0
  }

  /** The id this conversation copies (exactly, or at Jaccard ≥ threshold), or `undefined`. */
  find(conversation: Conversation, keys = dedupKeys(conversation)): string | undefined {
    const [high, low] = keys.exact
    const sig = keys.signature
    for (let item = this.exact.get(high); item >= 0; item = this.exactNext[item]!) {
      if (this.exactCheck[item] === low) return this.ids[item]
    }
    let best = -1
    let bestSimilarity = 0
    const checked = new Set<number>()
    for (let band = 0; band < BANDS; band++) {
      let read = 0
      for (let item = this.heads[band]!.get(this.bandKey(sig, band)); item >= 0 && read < MAX_CANDIDATES_PER_BAND; item = this.next[item * BANDS + band]!) {
        read++
        if (checked.has(item)) continue
        checked.add(item)
        const s = similarity(sig, this.signatures.subarray(item * PERMUTATIONS, (item + 1) * PERMUTATIONS))
        if (s >= this.threshold && s > bestSimilarity) {
          best = item
          bestSimilarity = s
        }
      }
    }
    return best < 0 ? undefined : this.ids[best]
  }

  add(conversation: Conversation, keys = dedupKeys(conversation)) {
    const sig = keys.signature
    const item = this.ids.length
    this.ids.push(conversation.id)
    if (item >= this.exactCheck.length) {
      this.exactCheck = grow(this.exactCheck, new Uint32Array(this.exactCheck.length * 2))
      this.exactNext = grow(this.exactNext, new Int32Array(this.exactNext.length * 2))
      this.signatures = grow(this.signatures, new Uint32Array(this.signatures.length * 2))
      this.next = grow(this.next, new Int32Array(this.next.length * 2))
    }
    const [high, low] = keys.exact
    this.exactCheck[item] = low
    this.exactNext[item] = this.exact.set(high, item)
    this.signatures.set(sig, item * PERMUTATIONS)
    for (let band = 0; band < BANDS; band++) this.next[item * BANDS + band] = this.heads[band]!.set(this.bandKey(sig, band), item)
  }
}

const grow = <A extends Uint32Array | Int32Array>(from: A, to: A): A => {
  to.set(from)
  return to
}
