import { describe, expect, it } from "vitest"
import { evaluate, scoreConversation } from "../../src/quality/score.js"
import { isErrorOrEmpty, trace } from "../../src/quality/trace.js"

describe("written arithmetic", () => {
  it.each([
    ["612 + 1,045 + 388", 2045],
    ["(120 − 15) × 4", 420],
    ["1,254 ÷ 6", 209],
    ["209 – 100", 109],
    ["€12 x 165", 1980],
    ["2 + 3 * 4", 14],
    ["10 / 4", 2.5]
  ])("%s is %d", (expression, value) => {
    expect(evaluate(expression)).toBeCloseTo(value, 9)
  })

  it.each(["", "12 +", "(1 + 2", "1 + 2)", "3 apples + 4", "1 / 0", "x"])("%j is not arithmetic", (expression) => {
    expect(evaluate(expression)).toBeUndefined()
  })
})

describe("long answers full of figures", () => {
  const weights = { structure: 0.2, tool_use: 0.25, reasoning: 0.2, completeness: 0.2, naturalness: 0.15 }
  const scoreAnswer = (answer: string) =>
    scoreConversation(trace([{ role: "user", content: "Add up the monthly costs for me." }, { role: "assistant", content: answer }]), new Map(), undefined, weights)

  // Each of these took seconds to hours with an expression whose operands and joins shared their
  // spaces (exponential in the number of terms); they must come back at once with a score.
  it.each([
    ["a long sum with no result", `Costs: ${Array.from({ length: 40 }, (_, i) => 100 + 37 * i).join(" + ")}, roughly 2k.`],
    ["a long sum with unit words", `${Array.from({ length: 40 }, (_, i) => `${i + 1} ab cd`).join(" + ")} and that is all.`],
    ["a sum with spaces around everything", `( ${Array.from({ length: 40 }, () => "1").join("  +  ")} )  gives`],
    ["a CSV of numbers beside a scale", `${Array.from({ length: 5000 }, () => "1").join(",")} m`],
    ["thousands of blank lines before an error word", `a${"\n".repeat(20000)}error`]
  ])("%s", (_, answer) => {
    const { quality } = scoreAnswer(answer)
    expect(quality.completeness).toBeGreaterThanOrEqual(0)
  })

  it("still reads the written sums they are made of: the result is grounded, and only it", () => {
    const grounded = (request: string, answer: string) =>
      scoreConversation(trace([{ role: "user", content: request }, { role: "assistant", content: answer }]), new Map(), undefined, weights).quality.completeness
    const invoices = "Add up our three invoices of 612, 1,045 and 388 euros."
    expect(grounded(invoices, "The invoices total 612 + 1,045 + 388 = 2,045 euros.")).toBe(1)
    expect(grounded(invoices, "The invoices total 612 + 1,045 + 388 = 2,145 euros.")).toBe(0.65)
    const storage = "We keep 38 GB a day in 2 copies for 90 days: how much storage is that?"
    expect(grounded(storage, "That is 38 GB × 2 copies × 90 days = 6,840 GB of storage.")).toBe(1)
    expect(grounded(storage, "That is 38 GB × 2 copies × 90 days = 6,480 GB of storage.")).toBe(0.65)
  })
})

describe("tool results that are long", () => {
  it("an error word after thousands of lines is read at once, and is data there", () => {
    expect(isErrorOrEmpty(`rows:${"\n".repeat(50000)}TypeError at the end`)).toBe(true)
    expect(isErrorOrEmpty(`rows:${"\n ".repeat(50000)}x\nok`)).toBe(false)
  })
})

describe("figures as other locales and signs write them", () => {
  const weights = { structure: 0.2, tool_use: 0.25, reasoning: 0.2, completeness: 0.2, naturalness: 0.15 }
  const grounded = (request: string, answer: string) =>
    scoreConversation(trace([{ role: "user", content: request }, { role: "assistant", content: answer }]), new Map(), undefined, weights).quality.completeness

  it("thousands in spaced groups read as one number where it is known, and a trailing currency sign joins a sum", () => {
    const budget = "4 chambres à 165 € la nuit pendant 3 nuits, ça reste sous les 2 000 € prévus ?"
    expect(grounded(budget, "Oui : 4 × 3 = 12 nuitées, et 12 × 165 € = 1 980 €, soit 20 € sous les 2 000 €.")).toBe(1)
    expect(grounded(budget, "Oui : 12 × 165 € = 1 980 €, il vous reste donc 120 € sous les 2 000 €.")).toBe(0.65)
  })

  it("spaced figures nobody stated stay separate figures (a list of room numbers is not one number)", () => {
    expect(grounded("Which rooms are free on the third floor, 301 to 305?", "Rooms 302 304 305 are free, 301 and 303 are taken.")).toBe(0.3)
  })

  it("a negative change is grounded by its magnitude, and a fall in words by either sign", () => {
    const weekly = "Weekly averages were 61842 and then 57310: what is the change?"
    expect(grounded(weekly, "From 61842 to 57310: a change of -7.33%.")).toBe(1)
    expect(grounded(weekly, "The weekly average fell from 61842 to 57310, 7.33% lower.")).toBe(1)
  })
})

describe("error results inside an HTTP envelope", () => {
  it("a 200 whose body says ok: false, or holds errors, is an error; a body with data is not", () => {
    expect(isErrorOrEmpty(`{"status": 200, "body": {"ok": false, "error": "missing_scope"}}`)).toBe(true)
    expect(isErrorOrEmpty(`{"status": 200, "body": {"created": 3, "errors": [{"email": "x", "error": "invalid"}]}}`)).toBe(true)
    expect(isErrorOrEmpty(`{"status": 200, "body": []}`)).toBe(true)
    expect(isErrorOrEmpty(`{"status": 200, "body": {"id": "re_8Hk2", "status": "pending"}}`)).toBe(false)
  })

  it("a record that merely has a body or response field is no envelope", () => {
    expect(isErrorOrEmpty(`{"ticket_id": 881, "subject": "Refund", "body": {"message": "Customer says checkout failed"}}`)).toBe(false)
    expect(isErrorOrEmpty(`{"id": 3, "title": "Postmortem", "response": {"status": 503, "service": "api"}}`)).toBe(false)
    expect(isErrorOrEmpty(`{"headers": {"content-type": "application/json"}, "body": {"ok": false}}`)).toBe(true)
  })
})
