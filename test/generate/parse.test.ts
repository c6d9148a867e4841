import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { parseCompletion, parseConversation } from "../../src/generate/parse.js"

const ok = (text: string, finish?: string) => {
  const result = parseConversation(text, finish)
  if (Either.isLeft(result)) throw new Error(`rejected: ${result.left.reason}: ${result.left.message}`)
  return result.right
}
const reason = (text: string, finish?: string) => {
  const result = parseConversation(text, finish)
  return Either.isLeft(result) ? result.left.reason : "accepted"
}

const clean = {
  turns: [
    { role: "user", content: "Total Q1 revenue?" },
    { role: "assistant", content: "Let me sum it.", tool_calls: [{ id: "call_1", type: "function", function: { name: "calculator", arguments: { expression: "1+2" } } }] },
    { role: "tool", tool_call_id: "call_1", name: "calculator", content: "3" },
    { role: "assistant", content: "It is 3." }
  ]
}

describe("parsing the model's output", () => {
  it("reads a clean {\"turns\": [...]}", () => {
    expect(ok(JSON.stringify(clean))).toEqual(clean.turns)
  })

  it("strips markdown fences and prose around the JSON", () => {
    expect(ok("Here is the conversation:\n```json\n" + JSON.stringify(clean) + "\n```\nLet me know!")).toEqual(clean.turns)
    expect(ok("Sure! " + JSON.stringify(clean) + " Hope this helps.")).toEqual(clean.turns)
  })

  it("leaves code blocks inside the conversation alone and drops <think> blocks and prose with brackets", () => {
    const withCode = structuredClone(clean)
    withCode.turns[3]!.content = "Fixed it:\n```python\nd = {'a': 1}\nprint(d['a'])\n```\nRun it again."
    expect(ok(JSON.stringify(withCode))).toEqual(withCode.turns)
    expect(ok("```json\n" + JSON.stringify(withCode) + "\n```")).toEqual(withCode.turns)
    expect(ok("<think>The user wants [user, assistant] turns {maybe}.</think>" + JSON.stringify(clean))).toEqual(clean.turns)
    expect(ok("\uFEFF<think>{\"turns\": []}</think>\n" + JSON.stringify(clean) + "\n<think>done</think>")).toEqual(clean.turns)
    expect(ok("\uFEFF" + JSON.stringify(clean))).toEqual(clean.turns)
    expect(ok("Here is the conversation [JSON] with {braces} in prose:\n" + JSON.stringify(clean))).toEqual(clean.turns)
  })

  it("keeps a tool result given as a list, and renumbers ids a model restarts in every turn", () => {
    const turns = ok(JSON.stringify({
      turns: [
        { role: "user", content: "x" },
        { role: "assistant", content: "a", tool_calls: [{ id: "call_1", function: { name: "file_manager", arguments: {} } }] },
        { role: "tool", tool_call_id: "call_1", content: ["q1.csv", "q2.csv"] },
        { role: "assistant", content: "b", tool_calls: [{ id: "call_1", function: { name: "calculator", arguments: {} } }] },
        { role: "tool", tool_call_id: "call_1", content: [{ id: 1, title: "A" }] },
        { role: "assistant", content: "done" }
      ]
    }))
    expect(turns[2]).toMatchObject({ tool_call_id: "call_1", name: "file_manager", content: "[\"q1.csv\",\"q2.csv\"]" })
    expect(turns[3]).toMatchObject({ tool_calls: [{ id: "call_2", function: { name: "calculator" } }] })
    expect(turns[4]).toMatchObject({ tool_call_id: "call_2", name: "calculator", content: "[{\"id\":1,\"title\":\"A\"}]" })
  })

  it("matches results without ids to calls by name first, then in order", () => {
    const turns = ok(JSON.stringify({
      turns: [
        { role: "user", content: "x" },
        { role: "assistant", content: "", tool_calls: [{ name: "web_search", arguments: {} }, { name: "calculator", arguments: {} }] },
        { role: "tool", name: "calculator", content: "4" },
        { role: "tool", name: "web_search", content: "results" },
        { role: "assistant", content: "ok" }
      ]
    }))
    expect(turns[2]).toMatchObject({ tool_call_id: "call_2", name: "calculator" })
    expect(turns[3]).toMatchObject({ tool_call_id: "call_1", name: "web_search" })
  })

  it("removes trailing commas only outside strings", () => {
    const turns = ok(`{"turns": [{"role": "user", "content": "a list [1,2,]"}, {"role": "assistant", "content": "ok"},]}`)
    expect(turns[0]).toEqual({ role: "user", content: "a list [1,2,]" })
  })

  it("parses arguments sent as a JSON string", () => {
    const text = JSON.stringify(clean).replace(`{"expression":"1+2"}`, JSON.stringify(JSON.stringify({ expression: "1+2" })))
    expect(ok(text)[1]).toMatchObject({ tool_calls: [{ function: { arguments: { expression: "1+2" } } }] })
  })

  it("numbers calls without ids and matches their results in order", () => {
    const turns = ok(JSON.stringify({
      turns: [
        { role: "user", content: "Compare" },
        { role: "assistant", content: "Two lookups.", tool_calls: [{ function: { name: "web_search", arguments: "{\"query\":\"a\"}" } }, { function: { name: "calculator", arguments: { expression: "2*2" } } }] },
        { role: "tool", content: "A results" },
        { role: "tool", content: { value: 4 } },
        { role: "assistant", content: "Done." }
      ]
    }))
    expect(turns[1]).toMatchObject({ tool_calls: [{ id: "call_1" }, { id: "call_2" }] })
    expect(turns[2]).toEqual({ role: "tool", tool_call_id: "call_1", name: "web_search", content: "A results" })
    expect(turns[3]).toEqual({ role: "tool", tool_call_id: "call_2", name: "calculator", content: "{\"value\":4}" })
  })

  it("normalises bare {name, arguments} calls and the old function_call", () => {
    const bare = ok(JSON.stringify({
      turns: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [{ name: "calculator", arguments: { expression: "1" } }] },
        { role: "tool", name: "calculator", content: "1" },
        { role: "assistant", content: "1." }
      ]
    }))
    expect(bare[1]).toEqual({ role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "calculator", arguments: { expression: "1" } } }] })
    const legacy = ok(JSON.stringify({
      turns: [
        { role: "user", content: "x" },
        { role: "assistant", content: "", function_call: { name: "calculator", arguments: "{\"expression\":\"1\"}" } },
        { role: "function", name: "calculator", content: "1" },
        { role: "assistant", content: "1." }
      ]
    }))
    expect(legacy[2]).toEqual({ role: "tool", tool_call_id: "call_1", name: "calculator", content: "1" })
  })

  it("keeps given ids and numbers the missing ones around them", () => {
    const turns = ok(JSON.stringify({
      turns: [
        { role: "user", content: "x" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "a", arguments: {} } }, { id: "call_1", function: { name: "b", arguments: {} } }] },
        { role: "tool", tool_call_id: "call_1", content: "b" },
        { role: "tool", tool_call_id: "call_2", content: "a" },
        { role: "assistant", content: "ok" }
      ]
    }))
    expect(turns[1]).toMatchObject({ tool_calls: [{ id: "call_2", function: { name: "a" } }, { id: "call_1", function: { name: "b" } }] })
    expect(turns[2]).toMatchObject({ tool_call_id: "call_1", name: "b" })
  })

  it("accepts a bare list, a messages key, text parts and a trailing comma", () => {
    expect(ok(JSON.stringify(clean.turns))).toEqual(clean.turns)
    expect(ok(JSON.stringify({ messages: clean.turns }))).toEqual(clean.turns)
    expect(ok(JSON.stringify({ turns: [{ role: "user", content: [{ type: "text", text: "Hi " }, { type: "text", text: "there" }] }] }))[0])
      .toEqual({ role: "user", content: "Hi there" })
    expect(ok(`{"turns": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},]}`)).toHaveLength(2)
  })

  it("rejects what has no single reading, with a typed reason", () => {
    expect(reason("I cannot help with that.")).toBe("InvalidJson")
    expect(reason(`{"turns": [{"role": "user", "content": "a"} {"role": "assistant"}]}`)).toBe("InvalidJson")
    expect(reason(`{"turns": [{"role": "user", "content": "Compare the two files and`, "length")).toBe("Truncated")
    expect(reason(`{"turns": [{"role": "user", "content": "a"`)).toBe("Truncated")
    expect(reason("", "length")).toBe("Truncated")
    expect(reason(`{"conversation_id": 3}`)).toBe("WrongShape")
    expect(reason(`{"turns": []}`)).toBe("WrongShape")
    expect(reason(`{"turns": [{"role": "narrator", "content": "a"}]}`)).toBe("WrongShape")
    expect(reason(`{"turns": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "x", "arguments": "[1, 2]"}}]}]}`)).toBe("WrongShape")
    expect(reason(`{"turns": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "x", "arguments": "{oops"}}]}]}`)).toBe("InvalidJson")
    expect(reason(`{"turns": [{"role": "user", "content": "a"}, {"role": "tool", "content": "orphan"}]}`)).toBe("WrongShape")
  })
})

describe("thinking left in a reply", () => {
  const json = JSON.stringify(clean)
  const draft = JSON.stringify({ turns: [{ role: "user", content: "DRAFT" }, { role: "assistant", content: "draft answer" }] })

  it("drops everything before a lone </think> (templates that open the block in the prompt)", () => {
    expect(ok(`Let me draft it first: ${draft} hmm, better:\n</think>\n${json}`)).toEqual(clean.turns)
  })

  it("keeps only gpt-oss's final channel when a server leaves the channels in the content", () => {
    const raw = `<|channel|>analysis<|message|>Draft: ${draft}<|end|><|start|>assistant<|channel|>final<|message|>${json}<|return|>`
    expect(ok(raw)).toEqual(clean.turns)
  })

  it("a reply that is thinking only is cut off, never read for its draft", () => {
    expect(reason(`<think>Plan: ${draft} and then`, "length")).toBe("Truncated")
    expect(reason(`<|channel|>analysis<|message|>Plan: ${draft}`, "length")).toBe("Truncated")
  })

  it("a conversation that talks about think tags or channels in its strings is read whole, bare, fenced or in prose", () => {
    const about = { turns: [{ role: "user", content: "Why does my parser choke on </think> in the output?" }, { role: "assistant", content: "Because </think> closes a block <think> opened." }] }
    expect(ok(JSON.stringify(about))).toEqual(about.turns)
    expect(ok("```json\n" + JSON.stringify(about) + "\n```")).toEqual(about.turns)
    expect(ok(`Here is the conversation:\n${JSON.stringify(about)}`)).toEqual(about.turns)
    const opens = { turns: [{ role: "user", content: "Why does my parser keep the <think> tag?" }, { role: "assistant", content: "It never sees a close." }] }
    expect(ok("```json\n" + JSON.stringify(opens) + "\n```")).toEqual(opens.turns)
    const channels = { turns: [{ role: "user", content: "What is <|channel|>analysis in gpt-oss output?" }, { role: "assistant", content: "The thinking channel." }] }
    expect(ok(`Sure:\n${JSON.stringify(channels)}`)).toEqual(channels.turns)
  })

  it("a draft inside thinking is never read, even when the answer after it is broken", () => {
    expect(reason(`Draft: ${draft}\n</think>\n{"turns": [{"role": "user", "content": "cut`, "length")).toBe("Truncated")
    expect(reason(`<think>Draft: ${draft}</think> Sorry, I cannot write that.`)).toBe("InvalidJson")
  })
})

describe("a completion from a reasoning model", () => {
  const json = JSON.stringify(clean)
  const completion = (fields: Partial<Parameters<typeof parseCompletion>[0]>) => ({ content: "", finishReason: "stop", provider: "groq", ...fields })

  it("reads the content and ignores the reasoning beside it", () => {
    const result = parseCompletion(completion({ content: json, reasoning: JSON.stringify({ turns: [{ role: "user", content: "DRAFT" }] }) }))
    expect(Either.getOrThrow(result)).toEqual(clean.turns)
  })

  it("an empty answer after thinking to max_tokens says so and names the two fixes", () => {
    const result = parseCompletion(completion({ finishReason: "length", reasoning: "Let me think about the scenario..." }), 3000)
    expect(Either.isLeft(result) && result.left).toMatchObject({ reason: "Truncated" })
    expect(Either.isLeft(result) && result.left.message).toMatch(/spent max_tokens thinking .*raise generation\.max_tokens or set providers\.groq\.reasoning_effort to low/)
  })

  it("an empty answer that ended normally is read from the reasoning (vLLM's parser when the opening tag is skipped)", () => {
    expect(Either.getOrThrow(parseCompletion(completion({ reasoning: json })))).toEqual(clean.turns)
  })

  it("a reply cut off well short of max_tokens blames the server's context, not the budget", () => {
    const cut = json.slice(0, 200)
    const short = parseCompletion(completion({ content: cut, finishReason: "length", usage: { completion_tokens: 2048 } }), 3000)
    expect(Either.isLeft(short) && short.left.message).toMatch(/stops after 2048 of max_tokens 3000 tokens: the server's context is full/)
    const atBudget = parseCompletion(completion({ content: cut, finishReason: "length", usage: { completion_tokens: 3000 } }), 3000)
    expect(Either.isLeft(atBudget) && atBudget.left.message).toMatch(/at max_tokens/)
  })
})
