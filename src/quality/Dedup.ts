import type { Conversation } from "../domain/Conversation.js"
import { signatureAt, type Trace, trace } from "./trace.js"

/** 60 MinHash values in 12 bands of 5: near-copies at Jaccard 0.8 meet in some band with p ≈ 0.99. */
const PERMUTATIONS = 60
/** Bytes of a signature: one per permutation. */
export const SIGNATURE_BYTES = PERMUTATIONS
const BANDS = 12
const ROWS = PERMUTATIONS / BANDS

const FNV_OFFSET = 0x811c9dc5

/** FNV-1a of a text's UTF-16 code units. */
export const fnv = (text: string): number => {
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

const normaliseAny = (text: string) => text.toLowerCase().replace(/[^a-z0-9\s]/g, " ").replace(/\s+/g, " ").trim()

/**
 * Lower-cased, everything but letters and digits a space, spaces collapsed and trimmed (`normaliseAny`):
 * for an ASCII text, its runs of letters and digits joined by single spaces, found in one pass.
 */
export const normalise = (text: string): string => {
  let out = ""
  let start = -1
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32
    if (c >= 128) return normaliseAny(text)
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      if (start < 0) start = i
    } else if (start >= 0) {
      out = out === "" ? text.slice(start, i) : `${out} ${text.slice(start, i)}`
      start = -1
    }
  }
  return out.toLowerCase()
}

/** Two independent 32-bit hashes of a key: a 64-bit fingerprint without keeping the text. */
const keyHash = (key: string): readonly [number, number] => {
  let h = 0x2545f491
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1)
  return [fnv(key), h >>> 0]
}

/**
 * What makes two conversations the same: the user's first request and the calls made, normalised.
 * `t` is the conversation's trace, when the caller has it (its calls are the turns' calls, in order).
 */
export const exactKey = (conversation: Pick<Conversation, "turns">, t: Trace = trace(conversation.turns)): string => {
  const request = conversation.turns.find((turn) => turn.role === "user")?.content ?? ""
  const calls = t.calls.map((_, i) => signatureAt(t, i))
  return `${normalise(request)}|${calls.join(";")}`
}

/**
 * Shingles a text's words, a piece at a time, into a one-permutation MinHash sketch (see `signature`):
 * the text is never built, and no word is made a string.
 */
class Shingler {
  private w1 = 0
  private w2 = 0
  private words = 0

  /** `sig`: the bins, each keeping its least hash. */
  constructor(private readonly sig: Uint32Array) {}

  /** Feeds a piece of text; pieces are separated as if by a space. */
  feed(text: string) {
    let word = FNV_OFFSET
    let inWord = false
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i)
      if (c >= 65 && c <= 90) c += 32
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        word = Math.imul(word ^ c, 0x01000193)
        inWord = true
      } else if (inWord) {
        this.endWord(word >>> 0)
        word = FNV_OFFSET
        inWord = false
      }
    }
    if (inWord) this.endWord(word >>> 0)
  }

  private endWord(w: number) {
    this.words++
    if (this.words >= 3) this.emit(mix(Math.imul(this.w1, 0x9e3779b1) ^ Math.imul(this.w2, 0x85ebca6b) ^ w, 0x27d4eb2f))
    this.w1 = this.w2
    this.w2 = w
  }

  /** A shingle's hash is already mixed: its residue picks the bin, the hash is the value. */
  private emit(shingle: number) {
    const bin = shingle % PERMUTATIONS
    if (shingle < this.sig[bin]!) this.sig[bin] = shingle
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
export const signature = (conversation: Pick<Conversation, "turns">, t: Trace = trace(conversation.turns)): Uint8Array => {
  const sig = scratch.fill(EMPTY)
  const shingler = new Shingler(sig)
  // The trace lists the turns' calls in their order.
  let call = 0
  for (const turn of conversation.turns) {
    shingler.feed(turn.content)
    if (turn.role === "assistant") for (let k = turn.tool_calls?.length ?? 0; k > 0; k--) shingler.feed(signatureAt(t, call++))
  }
  shingler.finish()
  densify(sig)
  // b-bit MinHash (Li & König 2010): the top 8 bits of each least value (the low ones follow the bin).
  // Two different values agree by chance once in 256, which lifts an estimate by (1 − J) / 256: at
  // most 0.004, for a quarter of the memory.
  const out = new Uint8Array(PERMUTATIONS)
  for (let i = 0; i < PERMUTATIONS; i++) out[i] = sig[i]! >>> 24
  return out
}

const scratch = new Uint32Array(PERMUTATIONS)
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
  readonly signature: Uint8Array
}

/** Computed once per conversation, for a lookup and then an insert (from its trace, when the caller has it). */
export const dedupKeys = (conversation: Pick<Conversation, "turns">, t: Trace = trace(conversation.turns)): DedupKeys => ({
  exact: keyHash(exactKey(conversation, t)),
  signature: signature(conversation, t)
})

export const similarity = (a: Uint8Array, b: Uint8Array): number => {
  let same = 0
  for (let i = 0; i < PERMUTATIONS; i++) if (a[i] === b[i]) same++
  return same / PERMUTATIONS
}

/** Bytes an id takes on average, with room to spare: `<type>/<scenario>/v<k>/s<n>` is about 47. */
const ID_BYTES = 56

/**
 * Ids, UTF-8 back to back in one growing buffer: about 40 bytes an id instead of a string object
 * and an array slot (70), and nothing for the garbage collector to walk.
 */
class IdStore {
  private bytes = new Uint8Array(1 << 16)
  private ends = new Uint32Array(1024)
  private used = 0
  size = 0
  private readonly encoder = new TextEncoder()
  private readonly decoder = new TextDecoder()

  push(id: string) {
    if (this.size === this.ends.length) {
      const ends = new Uint32Array(this.ends.length * 2)
      ends.set(this.ends)
      this.ends = ends
    }
    if (this.used + id.length * 3 > this.bytes.length) this.growBytes(Math.max(Math.ceil(this.bytes.length * 1.5), this.used + id.length * 3))
    // ASCII (ids are made of type, scenario and numbers) byte by byte; anything else by the encoder.
    let used = this.used
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i)
      if (c >= 128) {
        used = this.used + this.encoder.encodeInto(id, this.bytes.subarray(this.used)).written
        break
      }
      this.bytes[used++] = c
    }
    this.used = used
    this.ends[this.size++] = this.used
  }

  /**
   * Room for `ids` ids in all (about `ID_BYTES` bytes each), taken now: a run's plan is known, and a
   * store that doubled mid-run briefly held both copies (at 100,000 ids, 4 and 8 MB at once).
   */
  reserve(ids: number) {
    if (ids > this.ends.length) {
      const ends = new Uint32Array(ids)
      ends.set(this.ends.subarray(0, this.size))
      this.ends = ends
    }
    if (ids * ID_BYTES > this.bytes.length) this.growBytes(ids * ID_BYTES)
  }

  private growBytes(size: number) {
    const bytes = new Uint8Array(size)
    bytes.set(this.bytes.subarray(0, this.used))
    this.bytes = bytes
  }

  get(i: number): string {
    return this.decoder.decode(this.bytes.subarray(i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!))
  }
}

/** The least power of two that holds `n` entries at most three quarters full. */
const tableSize = (n: number) => 2 ** Math.max(10, Math.ceil(Math.log2((n * 4) / 3 + 1)))

/** A different salt per band, so that one table holds the entries of every band. */
const BAND_SALTS = Array.from({ length: BANDS }, (_, b) => mix(b + 1, 0x7f4a7c15))

/**
 * Slots read at most per lookup. Near-identical template output can make one band's entries a long
 * run; this keeps a lookup bounded there (the other bands still see a copy).
 */
const MAX_PROBES = 64

/**
 * An open-addressing table of entries (non-negative integers) whose keys are not stored: `keyOf`
 * recomputes an entry's key from what the index keeps anyway, and a byte of the key per slot skips
 * most other keys without that. Entries with equal keys all stay.
 */
class EntryTable {
  private slots: Int32Array
  private tags: Uint8Array
  private used = 0

  constructor(capacity: number, private readonly keyOf: (entry: number) => number) {
    this.slots = new Int32Array(capacity).fill(-1)
    this.tags = new Uint8Array(capacity)
  }

  private static start(key: number, mask: number) {
    return Math.imul(key, 0x9e3779b1) >>> 0 & mask
  }

  insert(key: number, entry: number) {
    if ((this.used + 1) * 4 > this.slots.length * 3) this.rehash(this.slots.length * 2)
    const mask = this.slots.length - 1
    let i = EntryTable.start(key, mask)
    while (this.slots[i] !== -1) i = (i + 1) & mask
    this.slots[i] = entry
    this.tags[i] = key >>> 24
    this.used++
  }

  /**
   * Writes into `out` (room for `MAX_PROBES`) the entries of `key`'s run of slots whose tag matches
   * (at most `MAX_PROBES` slots read) and returns how many: the caller checks their whole keys. No
   * callbacks: this runs a dozen times per conversation.
   */
  probe(key: number, out: Int32Array): number {
    const mask = this.slots.length - 1
    const tag = key >>> 24
    let i = EntryTable.start(key, mask)
    let n = 0
    for (let probes = 0; probes < MAX_PROBES; probes++) {
      const entry = this.slots[i]!
      if (entry === -1) break
      if (this.tags[i] === tag) out[n++] = entry
      i = (i + 1) & mask
    }
    return n
  }

  /** Grows to `capacity` slots now, if it has fewer. */
  reserve(capacity: number) {
    if (capacity > this.slots.length) this.rehash(capacity)
  }

  private rehash(capacity: number) {
    const old = this.slots
    this.slots = new Int32Array(capacity).fill(-1)
    this.tags = new Uint8Array(capacity)
    this.used = 0
    for (const entry of old) if (entry !== -1) this.insert(this.keyOf(entry), entry)
  }
}

/**
 * The dedup index, in typed arrays (no per-entry objects: the garbage collector never walks it): per
 * kept conversation its id, its exact key (64 bits) and its signature (60 bytes); a table of items by
 * exact key, and one of (item, band) entries by band hash. The tables keep no keys: they are
 * recomputed from the signatures. About 235 bytes a conversation; `reserve` sizes it up front so that
 * it does not grow (and briefly hold two copies) during a run.
 */
export class DedupIndex {
  private readonly ids = new IdStore()
  /** Items in the tables (the rest are added at the next lookup). */
  private indexed = 0
  private exactHigh = new Uint32Array(1024)
  private exactLow = new Uint32Array(1024)
  private signatures = new Uint8Array(1024 * PERMUTATIONS)
  private readonly exact = new EntryTable(tableSize(1024), (item) => this.exactHigh[item]!)
  /** Per item, the last lookup that compared it (an item is met in several bands; compared once). */
  private comparedIn = new Uint32Array(1024)
  private lookups = 0
  /** Scratch for the entries a probe finds. */
  private readonly found = new Int32Array(MAX_PROBES)
  private readonly bands = new EntryTable(tableSize(1024 * BANDS), (entry) => this.bandKey(this.signatures, Math.floor(entry / BANDS), entry % BANDS))
  /** The fewest equal bytes of two signatures whose similarity reaches the threshold. */
  private readonly leastSame: number

  constructor(threshold: number) {
    let least = 0
    while (least <= PERMUTATIONS && least / PERMUTATIONS < threshold) least++
    this.leastSame = least
  }

  get size(): number {
    return this.ids.size
  }

  private bandKey(signatures: Uint8Array, item: number, band: number): number {
    let h = BAND_SALTS[band]!
    const at = item * PERMUTATIONS + band * ROWS
    for (let r = 0; r < ROWS; r++) {
      h ^= signatures[at + r]!
      h = Math.imul(h, 0x01000193)
    }
    return mix(h, 0x2545f491)
  }

  /** The id this conversation copies (exactly, or at Jaccard ≥ threshold), or `undefined`. */
  find(conversation: Conversation, keys = dedupKeys(conversation)): string | undefined {
    return this.findKeys(keys)
  }

  /** The id of the item whose keys these copy, or `undefined`: `find` for keys computed elsewhere. */
  findKeys(keys: DedupKeys): string | undefined {
    this.catchUp()
    const [high, low] = keys.exact
    const found = this.found
    const exact = this.exact.probe(high, found)
    for (let i = 0; i < exact; i++) {
      const item = found[i]!
      if (this.exactHigh[item] === high && this.exactLow[item] === low) return this.ids.get(item)
    }
    // Near-identical output (a template's) makes long runs of candidates that share a band: each is
    // compared once, and a comparison stops as soon as it cannot reach the threshold.
    const lookup = ++this.lookups
    const signature = keys.signature
    const signatures = this.signatures
    const most = PERMUTATIONS - this.leastSame
    let best = -1
    let bestSimilarity = 0
    for (let band = 0; band < BANDS; band++) {
      const key = this.bandKey(signature, 0, band)
      const n = this.bands.probe(key, found)
      for (let i = 0; i < n; i++) {
        const entry = found[i]!
        if (entry % BANDS !== band) continue
        const item = (entry - band) / BANDS
        if (this.comparedIn[item] === lookup || this.bandKey(signatures, item, band) !== key) continue
        this.comparedIn[item] = lookup
        const at = item * PERMUTATIONS
        let differ = 0
        for (let j = 0; j < PERMUTATIONS && differ <= most; j++) if (signature[j] !== signatures[at + j]) differ++
        if (differ > most) continue
        const s = (PERMUTATIONS - differ) / PERMUTATIONS
        if (s > bestSimilarity) {
          best = item
          bestSimilarity = s
        }
      }
    }
    return best < 0 ? undefined : this.ids.get(best)
  }

  add(conversation: Conversation, keys = dedupKeys(conversation)) {
    this.addRaw(conversation.id, keys.exact[0], keys.exact[1], keys.signature, 0)
  }

  /** Adds an item by its id and keys, the signature at `at` in `signatures` (a batch read back from disk). */
  addRaw(id: string, high: number, low: number, signatures: Uint8Array, at: number) {
    const item = this.ids.size
    this.ids.push(id)
    if (item >= this.exactHigh.length) this.resize(Math.ceil(this.exactHigh.length * 1.5))
    this.exactHigh[item] = high
    this.exactLow[item] = low
    this.signatures.set(signatures.subarray(at, at + PERMUTATIONS), item * PERMUTATIONS)
  }

  /** Items added since the last lookup go into the tables then (a resumed run sends its first request sooner). */
  private catchUp() {
    for (let item = this.indexed; item < this.ids.size; item++) {
      this.exact.insert(this.exactHigh[item]!, item)
      for (let band = 0; band < BANDS; band++) this.bands.insert(this.bandKey(this.signatures, item, band), item * BANDS + band)
    }
    this.indexed = this.ids.size
  }

  /** Makes room for `n` items in all, so that adding them never grows the index mid-run. */
  reserve(n: number) {
    this.ids.reserve(n)
    if (n > this.exactHigh.length) this.resize(n)
    this.exact.reserve(tableSize(n))
    this.bands.reserve(tableSize(n * BANDS))
  }

  private resize(n: number) {
    this.exactHigh = grow(this.exactHigh, new Uint32Array(n))
    this.exactLow = grow(this.exactLow, new Uint32Array(n))
    this.signatures = grow(this.signatures, new Uint8Array(n * PERMUTATIONS))
    this.comparedIn = grow(this.comparedIn, new Uint32Array(n))
  }
}

const grow = <A extends Uint32Array | Uint8Array>(from: A, to: A): A => {
  to.set(from)
  return to
}
