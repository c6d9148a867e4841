import { describe, expect, it } from "vitest"
import { evaluate } from "../../src/quality/score.js"

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
