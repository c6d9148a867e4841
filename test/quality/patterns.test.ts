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

describe("pattern wording", () => {
  const sys = (content: string): Turn => ({ role: "system", content })

  it("a value from the system prompt, or the user's digits grouped with spaces, is given, not handed on", () => {
    const fromSystem = [
      sys("You work in workspace ws-7731 for Acme."),
      user("List the open tickets."),
      act("Listing them.", ["call_1", "api_client", { method: "GET", url: "https://desk.acme.io/api/workspaces" }]),
      result("call_1", "api_client", "{\"workspaces\": [\"ws-7731\", \"ws-1002\"]}"),
      act("Now its tickets.", ["call_2", "api_client", { method: "GET", url: "https://desk.acme.io/api/workspaces/ws-7731/tickets" }]),
      result("call_2", "api_client", "{\"tickets\": [{\"id\": 4}]}"),
      say("Workspace ws-7731 has one open ticket, #4.")
    ]
    expect(patterns(fromSystem)).not.toContain("multi_tool_chaining")
    const grouped = [
      user("Invoices over 12 500 € please, then the total."),
      act("Querying.", ["call_1", "database_query", { database: "billing", query: "SELECT amount FROM invoices WHERE amount > 12500" }]),
      result("call_1", "database_query", "{\"rows\": [{\"amount\": 12500}, {\"amount\": 20000}]}"),
      act("With VAT on the threshold.", ["call_2", "calculator", { expression: "12500 * 1.2" }]),
      result("call_2", "calculator", "15000"),
      say("Two invoices are over 12 500 €; the threshold with VAT is 15,000 €.")
    ]
    expect(patterns(grouped)).not.toContain("multi_tool_chaining")
  })

  it("typographic apostrophes, British plan words and other ways of saying a check", () => {
    const planned = (text: string) => patterns([
      user("Compare the two suppliers' delivery times."),
      act(text, ["call_1", "database_query", { database: "ops", query: "SELECT supplier, avg(days) FROM deliveries GROUP BY supplier" }]),
      result("call_1", "database_query", "{\"rows\": [{\"supplier\": \"Kato\", \"avg\": 4.2}]}"),
      act("Cross-referencing against the carrier's own log.", ["call_2", "file_manager", { action: "read", path: "logs/carrier_kato.csv" }]),
      result("call_2", "file_manager", "date,days\n2025-03-01,4"),
      say("Kato averages 4.2 days, and the carrier's log agrees.")
    ])
    for (const text of ["I’ll pull the average delivery time per supplier from the ops database.", "Firstly I shall query the ops database for each supplier's average."]) {
      const found = planned(text)
      expect(found, text).toContain("planning")
      expect(found, text).toContain("self_verification")
    }
  })

  it("\"confirm\" that names the call itself is the action, not a check of it", () => {
    const booking = [
      user("Book the 9:00 slot with Dr Sato and confirm it."),
      act("Checking the slot.", ["call_1", "api_client", { method: "GET", url: "https://clinic.example.org/api/slots/0900" }]),
      result("call_1", "api_client", "{\"slot\": \"0900\", \"free\": true}"),
      act("Now let me confirm the booking.", ["call_2", "api_client", { method: "POST", url: "https://clinic.example.org/api/slots/0900/confirm" }]),
      result("call_2", "api_client", "{\"status\": \"booked\"}"),
      say("Booked: 9:00 with Dr Sato.")
    ]
    expect(patterns(booking)).not.toContain("self_verification")
    // A tool made for checking is a check when the turn says so.
    const checked = [
      user("Charge the order and make sure it went through."),
      act("Charging.", ["call_1", "api_client", { method: "POST", url: "https://pay.acme.io/api/charges", body: "{\"order\": \"A-77\"}" }]),
      result("call_1", "api_client", "{\"charge\": \"ch_991\"}"),
      act("Let me verify the charge settled.", ["call_2", "verify_payment", { charge_id: "ch_991" }]),
      result("call_2", "verify_payment", "{\"settled\": true}"),
      say("Charge ch_991 settled.")
    ]
    expect(patterns(checked)).toContain("self_verification")
  })

  it("a clarification is a question or a request to specify, not a question mark inside a link", () => {
    const asking = (text: string) => patterns([user("Find the report."), say(text), user("The Q3 one."), say("Here it is.")])
    expect(asking("Which quarter do you mean?")).toContain("clarification")
    expect(asking("Tell me which quarter you mean and I'll fetch it.")).toContain("clarification")
    expect(asking("It is at https://files.acme.io/report?q=3 now.")).not.toContain("clarification")
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
