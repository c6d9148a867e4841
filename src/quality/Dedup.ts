import type { Conversation } from "../domain/Conversation.js"
import { callSignature } from "./trace.js"

/** 60 MinHash values in 12 bands of 5: near-copies at Jaccard 0.8 meet in some band with p ≈ 0.99. */
const PERMUTATIONS = 60
const BANDS = 12
const ROWS = PERMUTATIONS / BANDS

const fnv = (text: string): number => {
  let h = 0x811c9dc5
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

const keyHash = (key: string): string => {
  let h = 0x2545f491
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1)
  return `${fnv(key).toString(36)}.${(h >>> 0).toString(36)}`
}

/** What makes two conversations the same: the user's first request and the calls made, normalised. */
export const exactKey = (conversation: Conversation): string => {
  const request = conversation.turns.find((t) => t.role === "user")?.content ?? ""
  const calls = conversation.turns.flatMap((t) => (t.role === "assistant" ? t.tool_calls ?? [] : [])).map(callSignature)
  return `${normalise(request)}|${calls.join(";")}`
}

/** The words of the conversation that a reader sees, for shingling. */
const conversationText = (conversation: Conversation): string =>
  normalise(
    conversation.turns.map((t) =>
      t.role === "assistant" ? `${t.content} ${(t.tool_calls ?? []).map(callSignature).join(" ")}` : t.content
    ).join(" ")
  )

/** MinHash signature over word 3-shingles. */
export const signature = (conversation: Conversation): Uint32Array => {
  const tokens = conversationText(conversation).split(" ").filter((w) => w !== "")
  const sig = new Uint32Array(PERMUTATIONS).fill(0xffffffff)
  const count = Math.max(1, tokens.length - 2)
  for (let i = 0; i < count; i++) {
    const shingle = fnv(tokens.slice(i, i + 3).join(" "))
    for (let p = 0; p < PERMUTATIONS; p++) {
      const v = mix(shingle, SEEDS[p]!)
      if (v < sig[p]!) sig[p] = v
    }
  }
  return sig
}

export const similarity = (a: Uint32Array, b: Uint32Array): number => {
  let same = 0
  for (let i = 0; i < PERMUTATIONS; i++) if (a[i] === b[i]) same++
  return same / PERMUTATIONS
}

/**
 * The dedup index: exact keys in a set, MinHash signatures in one growing typed array, and per band a
 * map from the band's hash to the last item with it, items chained through a typed array. Memory is a
 * few hundred bytes per conversation, so 100k fit in tens of megabytes.
 */
export class DedupIndex {
  /** Exact keys are kept as a 64-bit hash, not as text. */
  private readonly exact = new Map<string, string>()
  private readonly ids: Array<string> = []
  private signatures = new Uint32Array(PERMUTATIONS * 1024)
  private next = new Int32Array(BANDS * 1024)
  private readonly heads = Array.from({ length: BANDS }, () => new Map<number, number>())

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
  find(conversation: Conversation, sig = signature(conversation)): string | undefined {
    const exact = this.exact.get(keyHash(exactKey(conversation)))
    if (exact !== undefined) return exact
    let best: { id: string; similarity: number } | undefined
    const checked = new Set<number>()
    for (let band = 0; band < BANDS; band++) {
      for (let item = this.heads[band]!.get(this.bandKey(sig, band)) ?? -1; item >= 0; item = this.next[item * BANDS + band]!) {
        if (checked.has(item)) continue
        checked.add(item)
        const s = similarity(sig, this.signatures.subarray(item * PERMUTATIONS, (item + 1) * PERMUTATIONS))
        if (s >= this.threshold && (best === undefined || s > best.similarity)) best = { id: this.ids[item]!, similarity: s }
      }
    }
    return best?.id
  }

  add(conversation: Conversation, sig = signature(conversation)) {
    const item = this.ids.length
    this.ids.push(conversation.id)
    this.exact.set(keyHash(exactKey(conversation)), conversation.id)
    if ((item + 1) * PERMUTATIONS > this.signatures.length) {
      const grown = new Uint32Array(this.signatures.length * 2)
      grown.set(this.signatures)
      this.signatures = grown
      const next = new Int32Array(this.next.length * 2)
      next.set(this.next)
      this.next = next
    }
    this.signatures.set(sig, item * PERMUTATIONS)
    for (let band = 0; band < BANDS; band++) {
      const key = this.bandKey(sig, band)
      this.next[item * BANDS + band] = this.heads[band]!.get(key) ?? -1
      this.heads[band]!.set(key, item)
    }
  }
}
