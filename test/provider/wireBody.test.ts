import { describe, expect, it } from "vitest"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { ChatRequest } from "../../src/provider/ChatRequest.js"
import { apiRoot, PROFILES } from "../../src/provider/profiles.js"
import { wireBody } from "../../src/provider/wireBody.js"

const tool = { type: "function" as const, function: { name: "calculator", description: "Evaluate", parameters: { type: "object", properties: {} } } }
const request: ChatRequest = {
  messages: [
    { role: "system", content: "s" },
    { role: "user", content: "u", name: "alice" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "calculator", arguments: "{\"expression\":\"1+1\"}" } }] },
    { role: "tool", tool_call_id: "call_1", name: "calculator", content: "2" }
  ],
  response_format: { type: "json_object" },
  temperature: 0.9,
  seed: 7,
  max_tokens: 100
}

describe("request bodies per provider", () => {
  it("Groq: no name on any message, and no JSON mode together with tools", () => {
    const body = wireBody(PROFILES.groq, DEFAULT_CONFIG.providers.groq, { ...request, tools: [tool], tool_choice: "auto" })
    const messages = body["messages"] as Array<Record<string, unknown>>
    expect(messages.every((m) => !("name" in m))).toBe(true)
    expect(messages[3]).toEqual({ role: "tool", tool_call_id: "call_1", content: "2" })
    expect(body["response_format"]).toBeUndefined()
    expect(body["tool_choice"]).toBe("auto")
    expect(body["model"]).toBe("openai/gpt-oss-120b")
    expect(body["reasoning_effort"]).toBe("low")
  })

  it("Groq without tools keeps JSON mode", () => {
    expect(wireBody(PROFILES.groq, DEFAULT_CONFIG.providers.groq, request)["response_format"]).toEqual({ type: "json_object" })
  })

  it("other providers keep name and the request as asked", () => {
    const body = wireBody(PROFILES.together, DEFAULT_CONFIG.providers.together, { ...request, tools: [tool] })
    expect((body["messages"] as Array<Record<string, unknown>>)[1]).toEqual({ role: "user", content: "u", name: "alice" })
    expect(body["response_format"]).toEqual({ type: "json_object" })
    expect(body).toMatchObject({ temperature: 0.9, seed: 7, max_tokens: 100 })
  })

  it("Ollama gets no tool_choice (it has no such field)", () => {
    const body = wireBody(PROFILES.ollama, DEFAULT_CONFIG.providers.ollama, { ...request, tools: [tool], tool_choice: "required" })
    expect(body["tool_choice"]).toBeUndefined()
    expect(body["tools"]).toEqual([tool])
  })

  it("json_mode: none drops response_format; json_object downgrades a schema", () => {
    const lmStudio = { ...DEFAULT_CONFIG.providers.openai, json_mode: "none" as const }
    expect(wireBody(PROFILES.openai, lmStudio, request)["response_format"]).toBeUndefined()
    const objectOnly = { ...DEFAULT_CONFIG.providers.openai, json_mode: "json_object" as const }
    const schema: ChatRequest = { ...request, response_format: { type: "json_schema", json_schema: { name: "turns", schema: { type: "object" } } } }
    expect(wireBody(PROFILES.openai, objectOnly, schema)["response_format"]).toEqual({ type: "json_object" })
    expect(wireBody(PROFILES.groq, DEFAULT_CONFIG.providers.groq, schema)["response_format"]).toEqual({ type: "json_object" })
  })

  it("an explicit model wins over the provider's", () => {
    expect(wireBody(PROFILES.groq, DEFAULT_CONFIG.providers.groq, { ...request, model: "openai/gpt-oss-20b" })["model"]).toBe("openai/gpt-oss-20b")
  })
})

describe("API roots", () => {
  it("adds Groq's SDK path to a bare host, and leaves full URLs alone", () => {
    expect(apiRoot(PROFILES.groq, "https://api.groq.com")).toBe("https://api.groq.com/openai/v1")
    expect(apiRoot(PROFILES.groq, "https://api.groq.com/")).toBe("https://api.groq.com/openai/v1")
    expect(apiRoot(PROFILES.groq, "https://api.groq.com/openai/v1/")).toBe("https://api.groq.com/openai/v1")
    expect(apiRoot(PROFILES.openai, "http://127.0.0.1:8000")).toBe("http://127.0.0.1:8000/v1")
    expect(apiRoot(PROFILES.ollama, "http://localhost:11434")).toBe("http://localhost:11434/v1")
    expect(apiRoot(PROFILES.openai, "http://127.0.0.1:8000/api/v1")).toBe("http://127.0.0.1:8000/api/v1")
    expect(apiRoot(PROFILES.ollama, "http://localhost:11434/v1")).toBe("http://localhost:11434/v1")
  })
})
