import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Path from "@effect/platform/Path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync, readdirSync } from "node:fs"
import type { Conversation } from "../../src/domain/Conversation.js"
import { decodeEntry, KEYS_ENTRY_BYTES } from "../../src/sink/keysFile.js"
import { makeOutcomeWriter, recordLine, recordPieces } from "../../src/sink/OutcomeWriter.js"
import { runFiles } from "../../src/sink/RunDirectory.js"
import { tempDir } from "../support/tempDir.js"

const fixtures: Array<Conversation> = readdirSync("test/fixtures/calibration")
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(`test/fixtures/calibration/${f}`, "utf8")).record)

describe("a record's line", () => {
  it("is exactly JSON.stringify of the record, tool definitions and turns serialised once and spliced in", () => {
    expect(fixtures.length).toBeGreaterThan(30)
    for (const record of fixtures) {
      expect(recordLine(record)).toBe(JSON.stringify(record))
      expect(recordLine(record)).toBe(JSON.stringify(record)) // the second time from the cache
    }
  })

  it("is not fooled by `\"tools\":0` in text or arguments, nor by another field order", () => {
    const base = fixtures[0]!
    const tricky: Conversation = {
      ...base,
      id: `say "tools":0 here`,
      turns: [
        { role: "user", content: `{"tools":0} and "tools":0` },
        { role: "assistant", content: "calling", tool_calls: [{ id: "c1", type: "function", function: { name: "x", arguments: { tools: 0, note: `"tools":0` } } }] },
        { role: "tool", tool_call_id: "c1", name: "x", content: `{"tools":0}` },
        { role: "assistant", content: "done" }
      ]
    }
    expect(recordLine(tricky)).toBe(JSON.stringify(tricky))
    const { tools, ...rest } = tricky
    const turnsFirst = { ...rest, tools } as Conversation
    expect(recordLine(turnsFirst)).toBe(JSON.stringify(turnsFirst))
    expect(JSON.parse(recordLine(turnsFirst))).toEqual(turnsFirst)
  })

  it("is serialised whole when another field holds a `tools` or `turns` key of 0", () => {
    const base = fixtures[1]!
    for (const extra of [{ tools: 0 }, { turns: 0 }, { nested: { turns: 0, tools: 0 } }]) {
      const odd = { ...base, scenario: { ...base.scenario, ...extra } } as Conversation
      expect(recordLine(odd)).toBe(JSON.stringify(odd))
      const after = { ...base, extra } as Conversation
      expect(recordLine(after)).toBe(JSON.stringify(after))
      // Between the two keys: met before the record's own `turns`.
      const { turns, ...head } = base
      const between = { ...head, extra, turns } as Conversation
      expect(recordLine(between)).toBe(JSON.stringify(between))
    }
    // Not a record's shape (no turns, no tools): serialised whole, not thrown on.
    const { turns: _t, ...noTurns } = base
    expect(recordLine(noTurns as Conversation)).toBe(JSON.stringify(noTurns))
    const { tools: _l, ...noTools } = base
    expect(recordLine(noTools as Conversation)).toBe(JSON.stringify(noTools))
  })

  it("takes the turns' JSON a review thread was sent, as it is", () => {
    for (const record of fixtures.slice(0, 5)) {
      expect(recordPieces(record, JSON.stringify(record.turns)).join("")).toBe(JSON.stringify(record))
      // What it is handed is what it writes: the caller vouches for it (runGeneration checks the turns are the same array).
      expect(recordPieces(record, "[]").join("")).toBe(JSON.stringify({ ...record, turns: [] }))
    }
  })
})

describe("the writer", () => {
  const dir = tempDir()
  it("writes each record's pieces as exactly its JSON line, and indexes the line's UTF-8 bytes", async () => {
    const base = fixtures[3]!
    // Non-ASCII text in the spliced turns and in the serialised rest: bytes are not characters.
    const wide: Conversation = { ...base, id: "données/日本/v1/s0", turns: [{ role: "user", content: "Prüfe die Umsätze in München — 日本語 too" }, ...base.turns.slice(1)] }
    const records = [...fixtures.slice(0, 6), wide]
    const files = runFiles(Effect.runSync(Effect.provide(Path.Path, Path.layer)), dir.root)
    await Effect.runPromise(Effect.gen(function*() {
      const writer = yield* makeOutcomeWriter(files)
      // Half with the turns' JSON a review thread was sent (handed along), half without.
      yield* writer.write(records.map((conversation, i) => ({
        outcome: { _tag: "accepted" as const, conversation },
        ...(i % 2 === 0 ? { turnsJson: JSON.stringify(conversation.turns) } : {})
      })))
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))
    const expected = records.map((r) => JSON.stringify(r))
    expect(readFileSync(files.dataset, "utf8")).toBe(expected.join("\n") + "\n")
    const keys = readFileSync(files.keys)
    expect(keys.length).toBe(records.length * KEYS_ENTRY_BYTES)
    expect(records.map((_, i) => decodeEntry(keys, i * KEYS_ENTRY_BYTES).lineBytes)).toEqual(expected.map((line) => Buffer.byteLength(line)))
  })
})
