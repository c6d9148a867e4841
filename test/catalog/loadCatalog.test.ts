import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { scenariosOf, variationCount } from "../../src/catalog/Catalog.js"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import { BUILTIN_SCENARIO_TYPES } from "../../src/domain/Scenario.js"
import { BUILTIN_TOOLS_YAML, loadFrom, scenarioFile, scenarioYaml } from "../support/catalogFixtures.js"
import { tempDir } from "../support/tempDir.js"

const TOOLS = ["web_search", "data_processor", "code_executor", "file_manager", "api_client", "database_query", "calculator", "email_client"]

describe("the built-in catalogue", () => {
  it.effect("holds 8 types × 8 scenarios × 3 variations and 8 tools", () =>
    Effect.gen(function*() {
      const catalog = yield* loadFrom(BUILTIN_CATALOG_DIR)
      expect(catalog.types).toEqual(BUILTIN_SCENARIO_TYPES)
      for (const type of catalog.types) expect(scenariosOf(catalog, type)).toHaveLength(8)
      expect(variationCount(catalog)).toBe(192)
      expect([...catalog.tools.keys()].sort()).toEqual([...TOOLS].sort())
    }))

  it.effect("gives every tool a real JSON Schema that validates and refuses arguments", () =>
    Effect.gen(function*() {
      const catalog = yield* loadFrom(BUILTIN_CATALOG_DIR)
      for (const [name, tool] of catalog.tools) {
        const parameters = tool.function.parameters as { type: string; properties: object; required: Array<string> }
        expect(tool.type).toBe("function")
        expect(tool.function.description.length).toBeGreaterThan(20)
        expect(parameters.type).toBe("object")
        expect(parameters.required.length).toBeGreaterThan(0)
        // every parameter described: models see it, and Hermes-style templates print it
        for (const [param, schema] of Object.entries(parameters.properties)) expect((schema as { description?: string }).description, `${name}.${param}`).toBeTruthy()
        const validate = catalog.validators.get(name)!
        expect(validate({})).toBe(false) // required fields are enforced
        expect(validate({ ...Object.fromEntries(parameters.required.map((k) => [k, "x"])), not_a_param: 1 })).toBe(false)
      }
      expect(catalog.validators.get("calculator")!({ expression: "(48210 - 41375) / 41375 * 100" })).toBe(true)
      expect(catalog.validators.get("data_processor")!({ file_path: "a.csv", operation: "explode" })).toBe(false)
      expect(catalog.validators.get("email_client")!({ action: "send", to: ["not-an-email"] })).toBe(false)
    }))

  it.effect("has distinct ids and titles, valid tools, and the three variation kinds in order", () =>
    Effect.gen(function*() {
      const catalog = yield* loadFrom(BUILTIN_CATALOG_DIR)
      const ids = catalog.scenarios.map((s) => `${s.type}/${s.id}`)
      expect(new Set(ids).size).toBe(ids.length)
      expect(new Set(catalog.scenarios.map((s) => s.title)).size).toBe(catalog.scenarios.length)
      const requests = catalog.scenarios.flatMap((s) => s.variations.map((v) => v.request))
      expect(new Set(requests).size).toBe(192)
      for (const scenario of catalog.scenarios) {
        expect(scenario.variations.map((v) => v.kind)).toEqual(["straightforward", "chained", "trouble"])
        expect(scenario.variations[2].trouble).toBeDefined()
        for (const tool of scenario.tools) expect(catalog.tools.has(tool)).toBe(true)
      }
      // v3 covers all three kinds of trouble in every type
      for (const type of catalog.types) {
        const troubles = new Set(scenariosOf(catalog, type).map((s) => s.variations[2].trouble))
        expect(troubles.size, type).toBeGreaterThanOrEqual(2)
      }
      const all = new Set(catalog.scenarios.map((s) => s.variations[2].trouble))
      expect(all).toEqual(new Set(["tool_error", "clarification", "no_tool"]))
    }))
})

describe("extending and refusing catalogue files", () => {
  const dir = tempDir()
  const catalogDir = (name: string, files: Record<string, string>) => {
    for (const [file, content] of Object.entries(files)) dir.write(`${name}/${file}`, content)
    return dir.path(name)
  }

  it.effect("a user directory adds scenarios to a built-in type and adds a new type", () =>
    Effect.gen(function*() {
      const extra = catalogDir("extend", {
        "more.yaml": scenarioFile("tool_usage", "extra-one"),
        "custom.yml": scenarioFile("customer_support", "refund-flow", "order-status")
      })
      const catalog = yield* loadFrom(BUILTIN_CATALOG_DIR, extra)
      expect(scenariosOf(catalog, "tool_usage")).toHaveLength(9)
      expect(catalog.types).toEqual([...BUILTIN_SCENARIO_TYPES, "customer_support"])
      expect(scenariosOf(catalog, "customer_support").map((s) => s.id)).toEqual(["refund-flow", "order-status"])
    }))

  it.effect("a user file can add a tool", () =>
    Effect.gen(function*() {
      const extra = catalogDir("tool", {
        "tools.yaml": "tools:\n  - name: weather\n    description: Current weather for a city.\n    parameters:\n      type: object\n      properties:\n        city: { type: string }\n      required: [city]\n",
        "s.yaml": `type: travel\nscenarios:${scenarioYaml("trip", "[weather, calculator]")}`
      })
      const catalog = yield* loadFrom(BUILTIN_CATALOG_DIR, extra)
      expect(catalog.tools.get("weather")?.function.description).toBe("Current weather for a city.")
    }))

  const refused = (files: Record<string, string>, withBuiltinTools = true) =>
    Effect.flip(loadFrom(catalogDir(`bad-${Math.random().toString(36).slice(2)}`, {
      ...(withBuiltinTools ? { "tools.yaml": BUILTIN_TOOLS_YAML } : {}),
      ...files
    })))

  it.effect("a duplicate scenario id, naming both places", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "a.yaml": scenarioFile("tool_usage", "same"), "b.yaml": scenarioFile("tool_usage", "same") })
      expect(error.reason).toBe("DuplicateId")
      expect(error.file).toMatch(/b\.yaml$/)
      expect(error.message).toMatch(/b\.yaml:3:9: scenario tool_usage\/same is already defined at .*a\.yaml:3:9; give one of them another id$/)
    }))

  it.effect("the same id under two types is fine", () =>
    Effect.gen(function*() {
      const dirPath = catalogDir("two-types", {
        "tools.yaml": BUILTIN_TOOLS_YAML,
        "a.yaml": scenarioFile("tool_usage", "same"),
        "b.yaml": scenarioFile("web_research", "same")
      })
      const catalog = yield* loadFrom(dirPath)
      expect(catalog.scenarios).toHaveLength(2)
    }))

  it.effect("a duplicate tool", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "again.yaml": BUILTIN_TOOLS_YAML })
      expect(error.reason).toBe("DuplicateId")
      expect(error.message).toContain("tool web_search is already defined in")
    }))

  it.effect("an unknown tool, with a guess", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "a.yaml": `type: t\nscenarios:${scenarioYaml("x", "[web_serch]")}` })
      expect(error.reason).toBe("UnknownTool")
      expect(error.message).toContain("scenario t/x names unknown tool web_serch (did you mean web_search?)")
    }))

  it.effect("a tool schema that does not compile", () =>
    Effect.gen(function*() {
      const error = yield* refused({
        "tools.yaml": "tools:\n  - name: broken\n    description: Broken schema.\n    parameters:\n      type: object\n      properties:\n        n: { type: integr }\n"
      }, false)
      expect(error.reason).toBe("InvalidToolSchema")
      expect(error.message).toMatch(/tools\.yaml:5:7: tool broken: invalid parameters schema: .*type/)
    }))

  it.effect("a tool schema that is not an object schema", () =>
    Effect.gen(function*() {
      const error = yield* refused({
        "tools.yaml": "tools:\n  - name: listy\n    description: Array schema.\n    parameters:\n      type: array\n"
      }, false)
      expect(error.message).toContain("parameters must be a JSON Schema with type: object")
    }))

  it.effect("a scenario with two variations", () =>
    Effect.gen(function*() {
      const yaml = scenarioFile("t", "two").replace(/      - kind: trouble[\s\S]*$/, "")
      const error = yield* refused({ "a.yaml": yaml })
      expect(error.reason).toBe("InvalidEntry")
      expect(error.message).toMatch(/a\.yaml:\d+:\d+: scenarios\[0\]\.variations: expected exactly 3 variations \(straightforward, chained, trouble\), got 2$/)
    }))

  it.effect("variations out of order", () =>
    Effect.gen(function*() {
      const yaml = scenarioFile("t", "order").replace("kind: straightforward", "kind: chained")
      const error = yield* refused({ "a.yaml": yaml })
      expect(error.message).toContain("scenario t/order variation 1 must be kind straightforward, got chained")
    }))

  it.effect("a trouble variation without its trouble", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "a.yaml": scenarioFile("t", "nt").replace("        trouble: no_tool\n", "") })
      expect(error.message).toContain("variation 3 needs trouble: tool_error, clarification or no_tool")
    }))

  it.effect("an unknown key in a scenario, with its line", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "a.yaml": scenarioFile("t", "k").replace("    domain: testing", "    domian: testing") })
      expect(error.message).toMatch(/a\.yaml:5:5: unknown key scenarios\[0\]\.domian \(did you mean domain\?\)/)
    }))

  it.effect("scenarios without a type", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "a.yaml": scenarioFile("t", "k").replace("type: t\n", "") })
      expect(error.message).toContain('scenarios need the file\'s type: add "type: <scenario type>" at the top')
    }))

  it.effect("invalid YAML, with line and column", () =>
    Effect.gen(function*() {
      const error = yield* refused({ "a.yaml": "type: t\nscenarios:\n  - id: [unclosed\n" })
      expect(error.reason).toBe("InvalidYaml")
      expect(error.message).toMatch(/a\.yaml:\d+:\d+: invalid YAML: /)
    }))

  it.effect("a missing directory", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(loadFrom(dir.path("does-not-exist")))
      expect(error.reason).toBe("Unreadable")
      expect(error.message).toContain("not found; fix catalog.dirs in the config")
    }))

  it.effect("a catalogue with no scenarios", () =>
    Effect.gen(function*() {
      const error = yield* refused({})
      expect(error.reason).toBe("Empty")
    }))
})
