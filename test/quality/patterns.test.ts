import { describe, expect, it } from "vitest"
import type { Turn } from "../../src/domain/Turn.js"
import { complexityFeatures, complexityOf, complexityPoints } from "../../src/quality/complexity.js"
import { detectPatterns } from "../../src/quality/patterns.js"
import { trace } from "../../src/quality/trace.js"

const user = (content: string): Turn => ({ role: "user", content })
const say = (content: string): Turn => ({ role: "assistant", content })
const act = (content: string, ...calls: Array<[string, string, Record<string, unknown>]>): Turn => ({
  role: "assistant",
  content,
  tool_calls: calls.map(([id, name, args]) => ({ id, type: "function" as const, function: { name, arguments: args } })) as [never]
})
const result = (id: string, name: string, content: string): Turn => ({ role: "tool", tool_call_id: id, name, content })
const patterns = (turns: Array<Turn>) => detectPatterns(trace(turns))

describe("pattern rules", () => {
  it("chaining needs a value from a result in a later call, not a value the user gave", () => {
    const chained = [
      user("Email the owner of the largest open invoice."),
      act("First I'll find the largest open invoice.", ["call_1", "database_query", { database: "billing", query: "SELECT id, owner_id FROM invoices ORDER BY amount DESC LIMIT 1" }]),
      result("call_1", "database_query", "{\"rows\": [{\"id\": \"INV-20931\", \"owner_id\": \"U-5512\"}]}"),
      act("Now the owner's address.", ["call_2", "api_client", { method: "GET", url: "https://crm.acme.io/api/users/U-5512" }]),
      result("call_2", "api_client", "{\"email\": \"li.wei@acme.io\"}"),
      say("Invoice INV-20931 belongs to li.wei@acme.io.")
    ]
    expect(patterns(chained)).toContain("multi_tool_chaining")
    const given = [
      user("Look up user U-5512 and then their invoices."),
      act("Looking up the user.", ["call_1", "api_client", { method: "GET", url: "https://crm.acme.io/api/users/U-5512" }]),
      result("call_1", "api_client", "{\"id\": \"U-5512\", \"plan\": \"pro\"}"),
      act("Now invoices.", ["call_2", "database_query", { database: "billing", query: "SELECT * FROM invoices WHERE owner_id = 'U-5512'" }]),
      result("call_2", "database_query", "{\"rows\": []}"),
      say("No invoices for U-5512.")
    ]
    expect(patterns(given)).not.toContain("multi_tool_chaining")
  })

  it("parallel calls, error recovery and clarification come from the structure", () => {
    const turns = [
      user("Compare EMEA and APAC revenue for 2024."),
      say("Do you mean calendar 2024 or fiscal 2024 (ending March 2025)?"),
      user("Calendar 2024."),
      act("I'll query both regions at once, then compare the two totals.", ["call_1", "database_query", { database: "sales", query: "SELECT SUM(amount) FROM orders WHERE region='EMEA'" }], ["call_2", "database_query", { database: "sales", query: "SELECT SUM(amount) FROM orders WHERE region='APAC'" }]),
      result("call_1", "database_query", "{\"error\": \"relation \\\"orders\\\" does not exist\"}"),
      result("call_2", "database_query", "{\"error\": \"relation \\\"orders\\\" does not exist\"}"),
      act("The table is called sales_orders; retrying.", ["call_3", "database_query", { database: "sales", query: "SELECT region, SUM(amount) FROM sales_orders GROUP BY region" }]),
      result("call_3", "database_query", "{\"rows\": [{\"region\": \"EMEA\", \"sum\": 48210}, {\"region\": \"APAC\", \"sum\": 39980}]}"),
      say("EMEA brought in 48,210 and APAC 39,980 in calendar 2024.")
    ]
    const found = patterns(turns)
    expect(found).toEqual(expect.arrayContaining(["tool_calling", "parallel_tool_calls", "error_recovery", "clarification", "planning", "step_by_step_reasoning"]))
  })

  it("saying 'step 1' earns nothing without the structure", () => {
    const turns = [
      user("What is our refund policy window?"),
      say("Step 1: I will plan. Step 2: I will verify and double-check. First, then, finally, let me think step by step."),
      user("ok"),
      say("It is 30 days.")
    ]
    const found = patterns(turns)
    for (const p of ["planning", "step_by_step_reasoning", "self_verification", "tool_calling", "multi_tool_chaining", "error_recovery"]) {
      expect(found, p).not.toContain(p)
    }
  })

  it("self-verification needs a checking call after a first result", () => {
    const verified = [
      user("What's 15% of 48,210?"),
      act("I'll compute it.", ["call_1", "calculator", { expression: "48210 * 0.15" }]),
      result("call_1", "calculator", "7231.5"),
      act("Let me double-check by dividing back.", ["call_2", "calculator", { expression: "7231.5 / 48210" }]),
      result("call_2", "calculator", "0.15"),
      say("15% of 48,210 is 7,231.5 (checked: 7231.5 / 48210 = 0.15).")
    ]
    expect(patterns(verified)).toContain("self_verification")
    const claimed = verified.slice(0, 3).concat([say("I verified it: 7,231.5.")])
    expect(patterns(claimed)).not.toContain("self_verification")
  })
})

describe("complexity", () => {
  it("counts calls, tools, chain depth and recoveries against configurable thresholds", () => {
    const none = trace([user("What is a p-value?"), say("The probability of data this extreme under the null hypothesis.")])
    expect(complexityFeatures(none)).toEqual({ turns: 2, calls: 0, distinctTools: 0, chainDepth: 0, recoveries: 0 })
    expect(complexityOf(complexityFeatures(none), { medium: 4, high: 9 })).toBe("low")
    const chained = trace([
      user("Email the owner of the largest open invoice."),
      act("First the invoice.", ["call_1", "database_query", { database: "billing", query: "SELECT id, owner_id FROM invoices LIMIT 1" }]),
      result("call_1", "database_query", "{\"rows\": [{\"id\": \"INV-20931\", \"owner_id\": \"U-5512\"}]}"),
      act("Then the owner.", ["call_2", "api_client", { method: "GET", url: "https://crm.acme.io/api/users/U-5512" }]),
      result("call_2", "api_client", "{\"email\": \"li.wei@acme.io\"}"),
      act("Then the email.", ["call_3", "email_client", { action: "send", to: ["li.wei@acme.io"], subject: "Invoice INV-20931" }]),
      result("call_3", "email_client", "{\"status\": \"sent\"}"),
      say("Sent to li.wei@acme.io.")
    ])
    const f = complexityFeatures(chained)
    expect(f).toMatchObject({ calls: 3, distinctTools: 3, chainDepth: 3 })
    expect(complexityPoints(f)).toBe(3 + 3 + 4)
    expect(complexityOf(f, { medium: 4, high: 9 })).toBe("high")
    expect(complexityOf(f, { medium: 4, high: 20 })).toBe("medium")
  })
})
