import { describe, expect, it } from "vitest"
import { readFileSync, readdirSync } from "node:fs"
import type { Conversation } from "../../src/domain/Conversation.js"
import { recordLine } from "../../src/sink/OutcomeWriter.js"

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
    }
  })

  it("splices turns serialised before (for a review thread) only for that same turns array", () => {
    const base = fixtures[2]!
    const first = recordLine(base)
    const changed: Conversation = { ...base, turns: [base.turns[0], ...base.turns.slice(1, -1), { role: "assistant", content: "another answer" }] }
    expect(recordLine(changed)).toBe(JSON.stringify(changed))
    expect(recordLine(changed)).not.toBe(first)
  })
})
