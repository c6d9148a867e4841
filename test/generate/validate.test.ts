import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import type { Turn } from "../../src/domain/Turn.js"
import { findPlaceholder, isPlaceholder, PLACEHOLDER, validateConversation } from "../../src/generate/validate.js"
import { loadFrom } from "../support/catalogFixtures.js"

const catalog = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))
const tools = new Map(["calculator", "web_search", "data_processor"].map((name) => [name, catalog.validators.get(name)!]))

const user = (content = "What grew fastest, Q3 to Q4?"): Turn => ({ role: "user", content })
const say = (content: string): Turn => ({ role: "assistant", content })
const call = (id: string, name: string, args: Record<string, unknown>) => ({ id, type: "function" as const, function: { name, arguments: args } })
const calls = (content: string, ...list: Array<ReturnType<typeof call>>): Turn => ({ role: "assistant", content, tool_calls: list as [ReturnType<typeof call>] })
const result = (id: string, name: string, content = "{\"ok\": true}"): Turn => ({ role: "tool", tool_call_id: id, name, content })

const verdict = (turns: Array<Turn>) => {
  const r = validateConversation(turns, tools)
  return Either.isLeft(r) ? r.left.reason : "valid"
}

const calc = (id = "call_1", expression = "(48210 - 41375) / 41375 * 100") => call(id, "calculator", { expression })

describe("validating a conversation", () => {
  it("accepts a plain, a parallel, a chained, a clarifying and a no-tool conversation", () => {
    expect(verdict([user(), calls("I'll compute it.", calc()), result("call_1", "calculator", "16.52"), say("Growth was 16.52%.")])).toBe("valid")
    expect(verdict([
      user(),
      calls("Two searches at once.", call("call_1", "web_search", { query: "EMEA revenue 2024" }), call("call_2", "web_search", { query: "APAC revenue 2024" })),
      result("call_2", "web_search"),
      result("call_1", "web_search"),
      say("EMEA grew faster.")
    ])).toBe("valid")
    expect(verdict([
      user(),
      calls("First the data.", call("call_1", "data_processor", { file_path: "reports/2024/sales_q4.csv", operation: "aggregate", group_by: ["region"] })),
      result("call_1", "data_processor", "{\"EMEA\": 48210}"),
      calls("Now the growth.", calc("call_2")),
      result("call_2", "calculator", "16.52"),
      say("EMEA: 16.52%.")
    ])).toBe("valid")
    expect(verdict([user("Can you fix the report?"), say("Which report do you mean: Q3 or Q4?"), user("Q4."), calls("Checking.", calc()), result("call_1", "calculator"), say("Done.")])).toBe("valid")
    expect(verdict([user("What is a p-value?"), say("It is the probability of data at least this extreme under the null hypothesis.")])).toBe("valid")
    expect(verdict([{ role: "system", content: "You are helpful." }, user(), say("Hello.")])).toBe("valid")
  })

  it("rejects roles out of order", () => {
    expect(verdict([say("Hi."), user(), say("ok")])).toBe("InvalidTurnOrder")
    expect(verdict([user(), user(), say("ok")])).toBe("InvalidTurnOrder")
    expect(verdict([user(), say("a"), say("b")])).toBe("InvalidTurnOrder")
    expect(verdict([user(), calls("", calc()), result("call_1", "calculator"), user("thanks"), say("ok")])).toBe("InvalidTurnOrder")
    expect(verdict([user(), say("a"), { role: "system", content: "late" }, say("b")])).toBe("InvalidTurnOrder")
    expect(verdict([user(), calls("", calc(), calc())])).toBe("InvalidTurnOrder") // same id twice
  })

  it("rejects a tool the scenario does not have", () => {
    expect(verdict([user(), calls("", call("call_1", "email_client", { action: "send" })), result("call_1", "email_client"), say("sent")])).toBe("UnknownTool")
  })

  it("rejects arguments that break the tool's schema", () => {
    expect(verdict([user(), calls("", call("call_1", "calculator", {})), result("call_1", "calculator"), say("x")])).toBe("InvalidArguments")
    expect(verdict([user(), calls("", call("call_1", "calculator", { expression: "1+1", mode: "fast" })), result("call_1", "calculator"), say("x")])).toBe("InvalidArguments")
    expect(verdict([user(), calls("", call("call_1", "data_processor", { file_path: "a.csv", operation: "explode" })), result("call_1", "data_processor"), say("x")])).toBe("InvalidArguments")
    const r = validateConversation([user(), calls("", call("call_1", "calculator", { expression: "1", mode: "x" })), result("call_1", "calculator"), say("x")], tools)
    expect(Either.isLeft(r) && r.left.message).toBe(`turn 2: calculator arguments has an unknown argument "mode"`)
  })

  it("rejects calls never answered and results answering nothing", () => {
    expect(verdict([user(), calls("", calc()), say("Done.")])).toBe("UnansweredCall")
    expect(verdict([user(), calls("", calc(), calc("call_2")), result("call_1", "calculator"), say("Done.")])).toBe("UnansweredCall")
    expect(verdict([user(), calls("", calc())])).toBe("UnansweredCall")
    expect(verdict([user(), result("call_1", "calculator"), say("x")])).toBe("OrphanToolResult")
    expect(verdict([user(), calls("", calc()), result("call_9", "calculator"), say("x")])).toBe("OrphanToolResult")
    expect(verdict([user(), calls("", calc()), result("call_1", "calculator"), result("call_1", "calculator"), say("x")])).toBe("OrphanToolResult")
    expect(verdict([user(), calls("", calc()), result("call_1", "web_search"), say("x")])).toBe("OrphanToolResult")
  })

  it("rejects placeholder arguments", () => {
    for (const value of ["<file_path>", "example_file.csv", "https://example.com/api", "{{query}}", "your_api_key", "...", "TODO", "[YOUR_FILE]"]) {
      expect(verdict([user(), calls("", call("call_1", "web_search", { query: value })), result("call_1", "web_search"), say("x")]), value).toBe("PlaceholderArgument")
    }
  })

  it("does not take real values for placeholders", () => {
    for (const value of ["reports/2024/sales_q1.csv", "examples of churn models", "https://api.northwind-retail.io/v2", "test coverage for billing", "sample size calculation", "bar", "value", "string", "n/a", "sample", "image: {{ .Values.image }}"]) {
      expect(findPlaceholder({ query: value }), value).toBeUndefined()
    }
    // free text may mention anything
    expect(findPlaceholder({ language: "python", code: "requests.get('https://example.com/api')  # TODO" })).toBeUndefined()
    expect(findPlaceholder({ action: "send", body: "Use <your_name> in the template" })).toBeUndefined()
    // what a search looks for is data: a sweep for TODO markers searches for the word itself
    expect(findPlaceholder({ action: "search", path: "internal/cache", pattern: "TODO" })).toBeUndefined()
    expect(findPlaceholder({ regex: "FIXME|TODO" })).toBeUndefined()
    expect(findPlaceholder({ action: "search", path: "TODO" })).toBe(`path = "TODO"`)
  })

  it("reads each value with the placeholder patterns combined exactly as with each pattern alone", () => {
    const values = [
      "<file_path>", "<a<b>", "{{ query }}", "{{a b}}", "[YOUR_FILE]", "[your_file]", "...", "…", "....", "your_api_key", "My-Token",
      "YOURNAME", "example_file.csv", "Example", "examples", "placeholder.csv", "dummy-data_1", "sample_file.csv", "Sample.ID", "sample size",
      "see https://EXAMPLE.com/x", "examplescom", "foo", "FOO", "food", "xxx", "XXXX", "todo", "TBD", "lorem ipsum dolor", "lorem", "bar",
      "", " ", "reports/2024/sales_q1.csv", "n/a", "<>", "[AB]", "[ABC]", "{{}}", "your", "my_id", "my id card"
    ]
    // and random strings over the characters the patterns read
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const alphabet = "<>{}[]._- …/:xXoOfFaAmMpPlLeEyYuUrRkKiIdDsS0123456789"
    for (let i = 0; i < 2000; i++) values.push(Array.from({ length: 1 + Math.floor(random() * 14) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""))
    let placeholders = 0
    for (const value of values) {
      const alone = PLACEHOLDER.some((pattern) => pattern.test(value))
      if (alone) placeholders++
      expect(isPlaceholder(value), JSON.stringify(value)).toBe(alone)
    }
    expect(placeholders).toBeGreaterThan(15)
  })

  it("requires a final answer", () => {
    expect(verdict([user()])).toBe("NoFinalAnswer")
    expect(verdict([user(), calls("", calc()), result("call_1", "calculator")])).toBe("NoFinalAnswer")
    expect(verdict([user(), say("   ")])).toBe("InvalidTurnOrder")
  })
})
