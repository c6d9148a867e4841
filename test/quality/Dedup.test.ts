import { describe, expect, it } from "vitest"
import type { Conversation } from "../../src/domain/Conversation.js"
import { DedupIndex } from "../../src/quality/Dedup.js"

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
  it("catches an exact copy (same request and calls, other wording) and a near copy (a word changed)", () => {
    const index = new DedupIndex(0.8)
    index.add(base)
    const reworded = record("b", base.turns[0]!.content, "Short version: AMER first.")
    expect(index.find(reworded)).toBe("a")
    const near = record("c", base.turns[0]!.content.replace("Friday", "Thursday"), (base.turns[3] as { content: string }).content.replace("Friday's", "Thursday's"), "SELECT region, SUM(revenue) AS total FROM orders GROUP BY region")
    expect(index.find(near)).toBe("a")
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
})
