import { describe, expect, it } from "vitest"
import { FieldKinds } from "../../src/export/fieldKinds.js"

const call = (name: string, args: Record<string, unknown>) => ({
  messages: [{ role: "assistant", content: "", tool_calls: [{ id: "a1b2c3d4e", type: "function", function: { name, arguments: args } }] }]
})
const tool = (name: string, body: unknown) => ({ type: "function", function: { name, parameters: { type: "object", properties: { body: { type: body } } } } })

describe("the JSON kinds of exported fields", () => {
  it("finds a field that is a string in one line and an object or a list in another, by its path", () => {
    const kinds = new FieldKinds()
    kinds.add({ ...call("web_search", { query: "python 3.9 end of life" }), tools: [tool("email_client", "string")] })
    kinds.add({ ...call("api_client", { query: { page: 2 } }), tools: [tool("api_client", ["object", "array", "string"])] })
    expect(kinds.conflicts()).toEqual([
      { path: "messages[].tool_calls[].function.arguments.query", kinds: ["string", "object"] },
      { path: "tools[].function.parameters.properties.body.type", kinds: ["string", "array"] }
    ])
  })

  it("lets nulls, missing fields, numbers of both sorts and differing keys pass: a table loader types them", () => {
    const kinds = new FieldKinds()
    kinds.add({ ...call("calculator", { x: 1, unit: null }), tools: [tool("calculator", "number")] })
    kinds.add({ ...call("calculator", { x: 2.5, precision: 3 }), tools: [tool("calculator", "number")] })
    kinds.add({ messages: [{ role: "user", content: "hi" }], tools: [] })
    expect(kinds.conflicts()).toEqual([])
  })

  it("counts list elements of different kinds under one path", () => {
    const kinds = new FieldKinds()
    kinds.add({ values: ["a", 1] })
    expect(kinds.conflicts()).toEqual([{ path: "values[]", kinds: ["string", "number"] }])
  })
})
