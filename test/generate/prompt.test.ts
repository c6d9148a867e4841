import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import { workItems } from "../../src/catalog/workItems.js"
import { buildRequest, PROMPT_VERSION } from "../../src/generate/prompt.js"
import { loadFrom } from "../support/catalogFixtures.js"
import { requestSchemaViolation } from "../support/requestSchema.js"

const catalog = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))
const items = [...workItems(catalog, { maxItems: 48, types: [], samplesPerVariation: null, seed: 42 })]
const toolsOf = (item: (typeof items)[number]) => item.scenario.tools.map((name) => catalog.tools.get(name)!)
const request = (item: (typeof items)[number], attempt = 0) =>
  buildRequest(item, toolsOf(item), { temperature: 0.9, maxTokens: 3000, attempt, typeDescription: catalog.descriptions.get(item.scenario.type) })
const userText = (r: ReturnType<typeof request>) => String(r.messages[1]!.content)

describe("prompts", () => {
  it("state the output contract and ask for JSON mode", () => {
    const r = request(items[0]!)
    expect(r.messages[0]!.content).toContain(`Reply with exactly one JSON object and nothing else`)
    expect(r.messages[0]!.content).toContain(`{"turns": [`)
    expect(r.messages[0]!.content).toContain("Never use placeholders")
    expect(r.response_format).toEqual({ type: "json_object" })
    expect(r).toMatchObject({ temperature: 0.9, max_tokens: 3000 })
    expect(PROMPT_VERSION).toBe("1")
  })

  it("give the scenario, the variation's request and intent, and the tools as OpenAI definitions", () => {
    for (const item of items) {
      const text = userText(request(item))
      const variation = item.scenario.variations[item.variation - 1]!
      expect(text).toContain(item.scenario.goal)
      expect(text).toContain(variation.request)
      expect(text).toContain(JSON.stringify(toolsOf(item)))
      if (variation.trouble === "no_tool") expect(text).toContain("No tool is needed")
      if (variation.trouble === "clarification") expect(text).toContain("clarifying question")
      if (variation.trouble === "tool_error") expect(text).toContain("One tool call fails")
      if (variation.kind === "chained") expect(text).toContain("must chain several tools")
    }
  })

  it("are the same for the same item and attempt, and differ for another sample", () => {
    const item = items[3]!
    expect(request(item)).toEqual(request(item))
    const personas = new Set(items.map((i) => /The user is ([^;]+);/.exec(userText(request(i)))![1]))
    expect(personas.size).toBeGreaterThan(4)
    expect(request(item, 1).seed).not.toBe(request(item, 0).seed)
  })

  it("validate against OpenAI's request schema", () => {
    for (const item of items.slice(0, 16)) expect(requestSchemaViolation({ model: "m", ...request(item) })).toBeUndefined()
  })
})
