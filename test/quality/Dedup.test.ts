import { describe, expect, it } from "vitest"
import type { Conversation } from "../../src/domain/Conversation.js"
import { DedupIndex, normalise, signature, similarity } from "../../src/quality/Dedup.js"
import { callSignature } from "../../src/quality/trace.js"

const record = (id: string, request: string, answer: string, query = "SELECT region, SUM(revenue) FROM orders GROUP BY region"): Conversation => ({
  id,
  conversation_type: "synthetic_data_analysis",
  scenario: { type: "data_analysis", id: "x", variation: 1, title: "x" },
  tools: [],
  turns: [
    { role: "user", content: request },
    { role: "assistant", content: "I'll aggregate revenue by region from the orders table, then compare the totals.", tool_calls: [{ id: "call_1", type: "function", function: { name: "database_query", arguments: { database: "sales", query } } }] },
    { role: "tool", tool_call_id: "call_1", name: "database_query", content: "{\"rows\": [{\"region\": \"EMEA\", \"sum\": 48210}, {\"region\": \"APAC\", \"sum\": 39980}, {\"region\": \"AMER\", \"sum\": 51200}]}" },
    { role: "assistant", content: answer }
  ],
  provenance: { provider: "t", model: "t", seed: 1, sample: 0, prompt_version: "1", run_id: "r", created_at: "2026-11-26T00:00:00Z", usage: { prompt_tokens: 0, completion_tokens: 0 } }
})

const base = record(
  "a",
  "Which region brought in the most revenue last quarter, and how far behind are the others? I need it for the board deck on Friday.",
  "AMER led with 51,200, ahead of EMEA at 48,210 and APAC at 39,980. EMEA trails AMER by 2,990 and APAC by 11,220, so AMER is the headline for Friday's deck."
)

describe("dedup", () => {
  it("normalises a request as the regular-expression definition does (the exact keys of earlier runs stay valid)", () => {
    const reference = (text: string) => text.toLowerCase().replace(/[^a-z0-9\s]/g, " ").replace(/\s+/g, " ").trim()
    const pieces = ["Revenue", "Q1", "2024", " ", "  ", "\t", "\n", "\r\n", "\u000b", "\u00a0", "\u2003", ",", ".", "?", "'", "-", "_", "é", "İ", "ß", "ΑΒΓ", "日本", "A-B", "x9", "(", ")"]
    let seed = 5
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: Math.floor(random() * 10) }, () => pieces[Math.floor(random() * pieces.length)]!).join(random() < 0.5 ? "" : " ")
      expect(normalise(text), JSON.stringify(text)).toBe(reference(text))
    }
  })

  it("catches an exact copy (same request and calls, other wording) and a near copy (a word changed)", () => {
    const index = new DedupIndex(0.8)
    index.add(base)
    const reworded = record("b", base.turns[0]!.content, "Short version: AMER first.")
    expect(index.find(reworded)).toBe("a")
    const near = record("c", base.turns[0]!.content.replace("Friday", "Thursday"), (base.turns[3] as { content: string }).content.replace("Friday's", "Thursday's"), "SELECT region, SUM(revenue) AS total FROM orders GROUP BY region")
    expect(index.find(near)).toBe("a")
  })

  it("names the copied conversation by its id, whatever its characters", () => {
    const index = new DedupIndex(0.8)
    for (const id of ["data_analysis/x/v1/s0", "données/über-straße/v2/s1", "日本/キャッシュ/v3/s2"]) {
      index.add({ ...base, id, turns: [{ role: "user", content: `${id} ${base.turns[0]!.content}` }, ...base.turns.slice(1)] })
    }
    expect(index.find({ ...base, id: "new", turns: [{ role: "user", content: `données/über-straße/v2/s1 ${base.turns[0]!.content}` }, ...base.turns.slice(1)] })).toBe("données/über-straße/v2/s1")
    expect(index.find({ ...base, id: "new", turns: [{ role: "user", content: `日本/キャッシュ/v3/s2 ${base.turns[0]!.content}` }, ...base.turns.slice(1)] })).toBe("日本/キャッシュ/v3/s2")
  })

  it("keeps ids whole when they outgrow the room reserved for them", () => {
    const index = new DedupIndex(0.8)
    index.reserve(2)
    const ids = ["a".repeat(300), "données/über/v1/s0", "b".repeat(70_000), "日本/キャッシュ/v3/s2"]
    for (const id of ids) index.add({ ...base, id, turns: [{ role: "user", content: `${id.slice(0, 40)} ${base.turns[0]!.content}` }, ...base.turns.slice(1)] })
    for (const id of ids) {
      expect(index.find({ ...base, id: "new", turns: [{ role: "user", content: `${id.slice(0, 40)} ${base.turns[0]!.content}` }, ...base.turns.slice(1)] })).toBe(id)
    }
  })

  it("lets distinct conversations of the same scenario through", () => {
    const index = new DedupIndex(0.8)
    index.add(base)
    const other = record(
      "d",
      "Can you list the three slowest-moving SKUs in the Lisbon warehouse over the last 90 days?",
      "The slowest movers were SKU-4471 (3 units), SKU-0932 (5 units) and SKU-7718 (6 units) over the last 90 days.",
      "SELECT sku, SUM(units) FROM movements WHERE site = 'LIS' GROUP BY sku ORDER BY 2 LIMIT 3"
    )
    expect(index.find(other)).toBeUndefined()
  })

  it("stays correct and bounded at scale", () => {
    const index = new DedupIndex(0.8)
    for (let i = 0; i < 5000; i++) {
      index.add(record(`r${i}`, `Request number ${i}: summarise the ${i % 97} region file reports/${i}.csv for customer C-${i * 7919}`, `Summary ${i}: total ${i * 13} across ${i % 11} regions for customer C-${i * 7919}.`, `SELECT * FROM t${i}`))
    }
    expect(index.size).toBe(5000)
    expect(index.find(record("x", "Request number 42: summarise the 42 region file reports/42.csv for customer C-332598", "Summary 42: total 546 across 9 regions for customer C-332598.", "SELECT * FROM t42"))).toBe("r42")
    expect(index.find(base)).toBeUndefined()
  })

  it("answers the most similar stored signature at or above the threshold among those sharing a band, as comparing each would", () => {
    let seed = 11
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    const byte = () => Math.floor(random() * 16)
    const stored = Array.from({ length: 3000 }, () => Uint8Array.from({ length: 60 }, byte))
    // Families of near-copies: a band shared with many, so lookups meet runs of candidates.
    for (let i = 1; i < stored.length; i += 3) {
      const from = stored[i - 1]!
      stored[i] = from.map((b) => (random() < 0.3 ? byte() : b))
    }
    const sharesBand = (a: Uint8Array, b: Uint8Array) =>
      Array.from({ length: 12 }, (_, band) => band * 5).some((at) => a.subarray(at, at + 5).every((x, r) => x === b[at + r]))
    for (const threshold of [0, 0.5, 0.8, 0.95, 1, 1.5]) {
      const index = new DedupIndex(threshold)
      // Half stored up front, the rest while lookups go on (the tables grow between lookups).
      stored.slice(0, 1500).forEach((signature, i) => index.addRaw(`s${i}`, i + 1, 7, signature, 0))
      let near = 0
      for (let q = 0; q < 600; q++) {
        if (q % 2 === 1) {
          const i = 1500 + (q - 1) / 2 * 5
          stored.slice(i, i + 5).forEach((signature, j) => index.addRaw(`s${i + j}`, i + j + 1, 7, signature, 0))
        }
        const known = stored.slice(0, index.size)
        const from = stored[Math.floor(random() * 1500)]!
        const change = q % 4 === 0 ? 1 : q % 8 === 1 ? 0 : random() * 0.6
        const query = from.map((b) => (random() < change ? byte() : b))
        let expected = 0
        for (const signature of known) {
          const s = similarity(query, signature)
          if (s >= threshold && s > expected && sharesBand(query, signature)) expected = s
        }
        const found = index.findKeys({ exact: [100_000 + q, 9], signature: query })
        const foundSimilarity = found === undefined ? 0 : similarity(query, stored[Number(found.slice(1))]!)
        expect(foundSimilarity, `query ${q} at ${threshold}`).toBe(expected)
        if (expected > 0) near++
      }
      if (threshold <= 1) expect(near, `near copies at ${threshold}`).toBeGreaterThan(threshold === 1 ? 60 : 100)
      else expect(near).toBe(0)
    }
  })
})

describe("the MinHash signature", () => {
  // An independent measure: exact Jaccard similarity of the word 3-shingle sets.
  const shingles = (text: string) => {
    const words = text.toLowerCase().replace(/[^a-z0-9\s]/g, " ").split(/\s+/).filter((w) => w !== "")
    return new Set(words.slice(0, -2).map((_, i) => words.slice(i, i + 3).join(" ")))
  }
  const jaccard = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x)).length / new Set([...a, ...b]).size
  const vocabulary = Array.from({ length: 400 }, (_, i) => `w${(i * 7919) % 10007}x`)
  let seed = 7
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
  const text = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(" ")
  const mutate = (base: string, share: number) =>
    base.split(" ").map((w) => (random() < share ? vocabulary[Math.floor(random() * vocabulary.length)] : w)).join(" ")

  /** The text the signature reads: every turn, and the calls made, in order. */
  const readable = (c: Conversation) =>
    c.turns.map((t) => (t.role === "assistant" ? [t.content, ...(t.tool_calls ?? []).map(callSignature)].join(" ") : t.content)).join(" ")

  it("estimates the Jaccard similarity of the shingle sets without bias", () => {
    const errors: Array<number> = []
    for (let i = 0; i < 80; i++) {
      const base = text(100 + (i % 4) * 80)
      const a = record("a", base, "ok")
      const b = record("b", mutate(base, [0.02, 0.05, 0.1, 0.2, 0.4][i % 5]!), "ok")
      const exact = jaccard(shingles(readable(a)), shingles(readable(b)))
      const estimate = similarity(signature(a), signature(b))
      expect(Math.abs(estimate - exact), `pair ${i}: exact ${exact.toFixed(2)}, estimated ${estimate.toFixed(2)}`).toBeLessThan(0.25)
      errors.push(estimate - exact)
    }
    const mean = errors.reduce((x, y) => x + y, 0) / errors.length
    const meanAbs = errors.reduce((x, y) => x + Math.abs(y), 0) / errors.length
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(meanAbs).toBeLessThan(0.08)
  })

  it("gives equal texts equal signatures and unrelated ones almost nothing in common", () => {
    const a = text(200)
    expect(similarity(signature(record("a", a, "x")), signature(record("b", a, "x")))).toBe(1)
    const unrelated = similarity(signature(record("a", text(200), "x")), signature(record("b", text(200), "x")))
    expect(unrelated).toBeLessThan(0.25)
  })
})
