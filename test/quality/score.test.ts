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
