import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { Catalog } from "../../src/catalog/Catalog.js"
import { AppConfig } from "../../src/config/AppConfig.js"
import { ChatClient } from "../../src/provider/ChatClient.js"
import { dedupKeys } from "../../src/quality/Dedup.js"
import { LlmJudge } from "../../src/quality/LlmJudge.js"
import { Scorer } from "../../src/quality/Scorer.js"
import { scanDataset } from "../../src/sink/datasetScan.js"
import { decodeEntry, encodeEntry, idHash, KEYS_ENTRY_BYTES, type KeysEntry } from "../../src/sink/keysFile.js"
import { recordLine } from "../../src/sink/OutcomeWriter.js"
import { runGeneration } from "../../src/sink/runGeneration.js"
import { fakeConversation } from "../support/fakeConversation.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const records = ["good-cd-vat-keyerror", "good-ai-delayed-shipments", "flawed-unanswered-vat-keyerror"].map((name) =>
  JSON.parse(readFileSync(`test/fixtures/calibration/${name}.json`, "utf8")).record
)
const lines = records.map(recordLine)
const entryOf = (record: (typeof records)[number], line: string): KeysEntry => ({
  lineBytes: Buffer.byteLength(line),
  id: record.id,
  keys: dedupKeys(record),
  complexity: record.complexity
})

const scan = (name: string) =>
  Effect.gen(function*() {
    const known: Array<string> = []
    const parsed: Array<string> = []
    const result = yield* scanDataset({ dataset: dir.path(`${name}.jsonl`), keys: dir.path(`${name}.keys`) }, {
      onKnown: (batch) => Effect.sync(() => batch.ids.forEach((id, i) => known.push(`${id}:${batch.complexity[i]}`))),
      onRecord: (record) =>
        Effect.sync(() => {
          const r = record as (typeof records)[number]
          parsed.push(r.id)
          return { keys: dedupKeys(r), complexity: r.complexity }
        })
    })
    return { ...result, known, parsed }
  }).pipe(Effect.provide(NodeContext.layer))

const writeIndex = (name: string, entries: ReadonlyArray<KeysEntry>) => {
  const bytes = new Uint8Array(entries.length * KEYS_ENTRY_BYTES)
  entries.forEach((e, i) => encodeEntry(e, bytes, i * KEYS_ENTRY_BYTES))
  writeFileSync(dir.path(`${name}.keys`), bytes)
}

describe("the dataset's index (dataset.keys)", () => {
  it.effect("vouches for lines of its exact length: those are not parsed", () =>
    Effect.gen(function*() {
      writeFileSync(dir.path("whole.jsonl"), lines.join("\n") + "\n")
      writeIndex("whole", records.map((r, i) => entryOf(r, lines[i]!)))
      const before = readFileSync(dir.path("whole.keys"))
      const result = yield* scan("whole")
      expect(result.lines).toBe(3)
      expect(result.parsed).toEqual([])
      expect(result.known).toEqual(records.map((r) => `${r.id}:${r.complexity}`))
      expect(readFileSync(dir.path("whole.keys"))).toEqual(before)
    }))

  it.effect("missing, short or not matching: the lines it does not vouch for are parsed and it is rewritten", () =>
    Effect.gen(function*() {
      writeFileSync(dir.path("none.jsonl"), lines.join("\n") + "\n")
      const none = yield* scan("none")
      expect(none.parsed).toEqual(records.map((r) => r.id))
      const rebuilt = readFileSync(dir.path("none.keys"))
      expect(rebuilt.length).toBe(3 * KEYS_ENTRY_BYTES)
      records.forEach((r, i) => {
        const { idHash: hash, ...entry } = decodeEntry(rebuilt, i * KEYS_ENTRY_BYTES)
        expect(hash).toBe(idHash(r.id))
        const { id: _, ...expected } = entryOf(r, lines[i]!)
        expect({ ...entry, keys: { exact: [...entry.keys!.exact], signature: [...entry.keys!.signature] } })
          .toEqual({ ...expected, keys: { exact: [...expected.keys!.exact], signature: [...expected.keys!.signature] } })
      })
      expect((yield* scan("none")).parsed).toEqual([])

      // An edited middle line (another length) and an index one entry short.
      const edited = [lines[0]!, lines[1]!.replace(`"turns":`, `"note":"edited","turns":`), lines[2]!]
      writeFileSync(dir.path("edited.jsonl"), edited.join("\n") + "\n")
      writeIndex("edited", [entryOf(records[0]!, lines[0]!), entryOf(records[1]!, lines[1]!)])
      const result = yield* scan("edited")
      expect(result.known).toEqual([`${records[0]!.id}:${records[0]!.complexity}`])
      expect(result.parsed).toEqual([records[1]!.id, records[2]!.id])
      expect(decodeEntry(readFileSync(dir.path("edited.keys")), KEYS_ENTRY_BYTES).lineBytes).toBe(Buffer.byteLength(edited[1]!))

      // An entry of the same length written for another record (a line removed above it): not trusted.
      const twin = { ...records[0]!, id: records[0]!.id.replace(/s0$/, "s9") }
      const twinLine = recordLine(twin)
      expect(Buffer.byteLength(twinLine)).toBe(Buffer.byteLength(lines[0]!))
      writeFileSync(dir.path("shifted.jsonl"), [lines[0]!, twinLine].join("\n") + "\n")
      writeIndex("shifted", [entryOf(records[0]!, lines[0]!), entryOf(records[0]!, lines[0]!)])
      const shifted = yield* scan("shifted")
      expect(shifted.known).toEqual([`${records[0]!.id}:${records[0]!.complexity}`])
      expect(shifted.parsed).toEqual([twin.id])
    }))

  it.effect("lines that cross the reads' boundaries, one longer than a read, are vouched for or parsed alike", () =>
    Effect.gen(function*() {
      // About 14 MB: lines straddle the 4 MB reads, and one line (5 MB) spans two whole reads.
      const many = Array.from({ length: 3000 }, (_, i) => ({ ...records[i % 3]!, id: `${records[i % 3]!.id}-${i}` }))
      const long = { ...records[0]!, id: "long/one/v1/s0", turns: [{ role: "user", content: "x".repeat(5_000_000) }, ...records[0]!.turns.slice(1)] }
      many.splice(1200, 0, long)
      const manyLines = many.map(recordLine)
      expect(manyLines.reduce((n, l) => n + l.length + 1, 0)).toBeGreaterThan(12 << 20)
      writeFileSync(dir.path("large.jsonl"), manyLines.join("\n") + "\n")
      writeIndex("large", many.map((r, i) => entryOf(r, manyLines[i]!)))
      const indexed = yield* scan("large")
      expect(indexed).toMatchObject({ lines: many.length, cut: 0, parsed: [] })
      expect(indexed.known).toEqual(many.map((r) => `${r.id}:${r.complexity}`))
      rmSync(dir.path("large.keys"))
      const parsed = yield* scan("large")
      expect(parsed).toMatchObject({ lines: many.length, cut: 0, known: [] })
      expect(parsed.parsed).toEqual(many.map((r) => r.id))
    }))

  it.effect("a damaged line is named and nothing is changed; a torn last line is cut and the index follows", () =>
    Effect.gen(function*() {
      const damaged = [lines[0]!, `{"id":"x/y/v1/s0","turns":[`, lines[1]!]
      writeFileSync(dir.path("damaged.jsonl"), damaged.join("\n") + "\n")
      writeIndex("damaged", [entryOf(records[0]!, lines[0]!), entryOf(records[1]!, lines[1]!)])
      const index = readFileSync(dir.path("damaged.keys"))
      const error = yield* Effect.flip(scan("damaged"))
      expect(error.message).toMatch(/damaged\.jsonl line 2 is not valid JSON .*nothing was changed$/)
      expect(readFileSync(dir.path("damaged.keys"))).toEqual(index)

      writeFileSync(dir.path("torn.jsonl"), lines.join("\n") + "\n" + lines[0]!.slice(0, 50))
      writeIndex("torn", records.map((r, i) => entryOf(r, lines[i]!)))
      const torn = yield* scan("torn")
      expect(torn).toMatchObject({ lines: 3, cut: 50, parsed: [] })
      expect(statSync(dir.path("torn.jsonl")).size).toBe(Buffer.byteLength(lines.join("\n") + "\n"))
    }))

  const layers = (maxItems: number) => {
    const chat = ChatClient.layerTest((request) => ({
      choices: [{ message: { role: "assistant", content: fakeConversation(request as unknown as Record<string, unknown>) }, finish_reason: "stop" }]
    }))
    return Layer.mergeAll(chat, Scorer.layerWithJudge.pipe(Layer.provide(LlmJudge.layerNone))).pipe(
      Layer.provideMerge(Catalog.layer),
      Layer.provideMerge(AppConfig.layerTest({ generation: { max_items: maxItems } })),
      Layer.provideMerge(NodeContext.layer)
    )
  }
  const run = (path: string, maxItems: number) =>
    runGeneration({ dir: path, plan: { maxItems, types: ["web_research"], samplesPerVariation: null, seed: 42 }, force: false }).pipe(Effect.provide(layers(maxItems)))

  it.effect("a resumed run finds copies of what earlier sessions kept, from the index or, without it, from the records", () =>
    Effect.gen(function*() {
      for (const withIndex of [true, false]) {
        const path = dir.path(`run-${withIndex}`)
        // Every variation of the type once (24 items), then second samples of the first eight.
        const first = yield* run(path, 24)
        expect(first.accepted).toBe(24)
        expect(statSync(`${path}/dataset.keys`).size).toBe(24 * KEYS_ENTRY_BYTES)
        if (!withIndex) rmSync(`${path}/dataset.keys`)
        // The fake model writes the same conversation for every sample of a variation: all copies.
        const second = yield* run(path, 32)
        expect(second.skipped).toBe(24)
        expect(second.rejections).toEqual({ Duplicate: 8 })
        const duplicateOf = readFileSync(`${path}/rejected.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l).rejection.duplicate_of)
        const kept = new Set(readFileSync(`${path}/dataset.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l).id))
        expect(duplicateOf.every((id: string) => kept.has(id))).toBe(true)
        expect(statSync(`${path}/dataset.keys`).size).toBe(24 * KEYS_ENTRY_BYTES)
      }
    }))
})
