import { Template } from "@huggingface/jinja"
import Ajv2020 from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { describe, expect, it } from "vitest"
import { readdirSync, readFileSync } from "node:fs"
import type { Conversation } from "../../src/domain/Conversation.js"
import { FieldKinds } from "../../src/export/fieldKinds.js"
import { OBSERVATION_SEPARATOR, toHF, toOpenAI, toShareGPT } from "../../src/export/formats.js"

const records: ReadonlyArray<Conversation> = readdirSync("test/fixtures/calibration")
  .filter((f) => f.startsWith("good-"))
  .sort()
  .map((f) => JSON.parse(readFileSync(`test/fixtures/calibration/${f}`, "utf8")).record)

const sourceCalls = (r: Conversation) =>
  r.turns.flatMap((t) => (t.role === "assistant" ? t.tool_calls ?? [] : [])).map((c) => ({ name: c.function.name, arguments: c.function.arguments }))

const line = (exported: ReturnType<typeof toHF>) => {
  if (exported._tag !== "line") throw new Error(`skipped: ${exported.reason}`)
  return exported.value
}

describe("the openai export", () => {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const validate = ajv.compile(JSON.parse(readFileSync("../shared/conformance/openai-finetune-line.schema.json", "utf8")))

  it("validates every line against OpenAI's fine-tuning line schema, with arguments as JSON strings", () => {
    for (const record of records) {
      const value = line(toOpenAI(record))
      expect(validate(value), `${record.id}: ${JSON.stringify(validate.errors?.[0])}`).toBe(true)
      const calls = (value["messages"] as Array<{ tool_calls?: Array<{ function: { name: string; arguments: string } }> }>).flatMap((m) => m.tool_calls ?? [])
      expect(calls.map((c) => ({ name: c.function.name, arguments: JSON.parse(c.function.arguments) }))).toEqual(sourceCalls(record))
      expect(value["parallel_tool_calls"]).toBe(record.turns.some((t) => t.role === "assistant" && (t.tool_calls?.length ?? 0) > 1))
    }
  })
})

/** LLaMA-Factory's SharegptDatasetConverter rules, written out independently of the exporter. */
const llamaFactoryAccepts = (row: { conversations: Array<{ from: string; value: string }>; tools?: unknown }) => {
  const messages = row.conversations
  const odd = new Set(["gpt", "function_call"])
  const even = new Set(["human", "observation"])
  if (messages.length === 0 || messages.length % 2 !== 0) return false
  if (!messages.every((m, i) => (i % 2 === 0 ? even : odd).has(m.from) && typeof m.value === "string")) return false
  for (const m of messages.filter((m) => m.from === "function_call")) {
    const parsed = JSON.parse(m.value) as unknown
    const calls = Array.isArray(parsed) ? parsed : [parsed]
    if (!calls.every((c) => typeof c.name === "string" && typeof c.arguments === "object" && !Array.isArray(c.arguments))) return false
  }
  return typeof row.tools === "string" && Array.isArray(JSON.parse(row.tools))
}

describe("the sharegpt export", () => {
  it("keeps LLaMA-Factory's strict alternation and an even count, with calls as JSON strings of objects", () => {
    for (const record of records) {
      const value = line(toShareGPT(record)) as { conversations: Array<{ from: string; value: string }>; tools: string }
      expect(llamaFactoryAccepts(value), record.id).toBe(true)
      const calls = value.conversations.filter((m) => m.from === "function_call").flatMap((m) => {
        const parsed = JSON.parse(m.value)
        return Array.isArray(parsed) ? parsed : [parsed]
      })
      expect(calls).toEqual(sourceCalls(record))
    }
  })

  it("puts parallel results in one observation and counts the reasoning text it drops", () => {
    const parallel = records.find((r) => r.turns.some((t) => t.role === "assistant" && (t.tool_calls?.length ?? 0) > 1))!
    const exported = toShareGPT(parallel)
    const value = line(exported) as { conversations: Array<{ from: string; value: string }> }
    const multi = value.conversations.find((m) => m.from === "function_call" && Array.isArray(JSON.parse(m.value)))!
    const next = value.conversations[value.conversations.indexOf(multi) + 1]!
    expect(next.from).toBe("observation")
    // One block per result once LLaMA-Factory's template wraps the observation in <tool_response>.
    expect(next.value.split(OBSERVATION_SEPARATOR)).toHaveLength(JSON.parse(multi.value).length)
    expect(exported._tag === "line" && exported.notes).toContain("reasoning text before a call dropped")
  })

  it("writes a system column on every line, empty where the record has none (LLaMA-Factory indexes it)", () => {
    for (const record of records) {
      const value = line(toShareGPT(record)) as { system?: unknown }
      const first = record.turns[0]!
      expect(value.system).toBe(first.role === "system" ? first.content : "")
    }
  })
})

const templates = Object.fromEntries(
  readdirSync("../shared/conformance/templates").map((f) => [f.replace(/\.jinja$/, ""), new Template(readFileSync(`../shared/conformance/templates/${f}`, "utf8"))])
)

/**
 * The engine differences from Jinja2 that ../shared/conformance/README.md names, and nothing else.
 * `got ArrayValue` is the same gap as `got UndefinedValue`: Hermes' `basic_type_map[json_spec.type]`
 * with a union type (`["string", "number"]`) is a non-string key, for which Jinja2 yields Undefined and
 * takes the template's `Union[...]` branch, while @huggingface/jinja throws.
 */
const ENGINE_GAPS = [/Cannot access property with non-string: got (?:UndefinedValue|ArrayValue)/, /Unknown ObjectValue filter: string/]

const hasArrayOrUnionParameter = (record: Conversation) =>
  record.tools.some((tool) =>
    Object.values((tool.function.parameters as { properties?: Record<string, { type?: unknown; additionalProperties?: { type?: unknown } }> }).properties ?? {})
      .some((p) => p.type === "array" || Array.isArray(p.type) || Array.isArray(p.additionalProperties?.type))
  )

/** The `<tool_call>` blocks of the assistant messages only (Qwen's system prompt shows an example one). */
const toolCallBlocks = (text: string) =>
  text.split("<|im_start|>assistant").slice(1).map((block) => block.split("<|im_end|>")[0]!).flatMap((block) =>
    Array.from(block.matchAll(/<tool_call>\n([\s\S]*?)\n<\/tool_call>/g), (m) => JSON.parse(m[1]!) as { name: unknown; arguments: unknown })
  ).map((call) => ({ name: call.name, arguments: call.arguments }))

/** Tool calls as each template writes them, read back out of the rendered text. */
const CALLS: Record<string, (text: string) => Array<{ name: unknown; arguments: unknown }>> = {
  "qwen2.5-7b-instruct": toolCallBlocks,
  "vllm-hermes": toolCallBlocks,
  "llama-3.1-8b-instruct": (text) =>
    Array.from(text.matchAll(/<\|start_header_id\|>assistant<\|end_header_id\|>\n\n(\{"name": [\s\S]*?)<\|eot_id\|>/g), (m) => {
      const call = JSON.parse(m[1]!) as { name: string; parameters: unknown }
      return { name: call.name, arguments: call.parameters }
    })
}

const render = (name: string, value: Record<string, unknown>) => {
  const context = { messages: value["messages"], tools: value["tools"], bos_token: "", eos_token: "", add_generation_prompt: false }
  try {
    return { text: templates[name]!.render(context), gap: false }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!ENGINE_GAPS.some((gap) => gap.test(message))) throw new Error(`${name}: ${message}`)
    // A known engine gap in the tool header: render the conversation without it, so its calls are still checked.
    return { text: templates[name]!.render({ ...context, tools: [] }), gap: true }
  }
}

describe("the hf export on real chat templates", () => {
  it("has the templates the conformance folder ships", () => {
    expect(Object.keys(templates).sort()).toEqual(Object.keys(CALLS).sort())
  })

  for (const name of Object.keys(CALLS)) {
    it(`renders every record on ${name}, and the calls read back equal the source (no double encoding)`, () => {
      for (const record of records) {
        const value = line(toHF(record, { keepParallel: false }))
        const { gap, text } = render(name, value)
        // The engine gap happens exactly where the README says: Hermes' header on array or union types.
        expect(gap, `${name} ${record.id}`).toBe(name === "vllm-hermes" && hasArrayOrUnionParameter(record))
        expect(CALLS[name]!(text), `${name} ${record.id}`).toEqual(sourceCalls(record))
      }
    })
  }

  it("keeps tool names and string contents, and 9-character alphanumeric call ids that pair up", () => {
    for (const record of records) {
      const messages = line(toHF(record, { keepParallel: false }))["messages"] as Array<Record<string, any>>
      const ids = messages.flatMap((m) => (m["tool_calls"] ?? []).map((c: { id: string }) => c.id))
      expect(ids.every((id: string) => /^[a-z0-9]{9}$/.test(id))).toBe(true)
      expect(new Set(ids).size).toBe(ids.length)
      for (const tool of messages.filter((m) => m["role"] === "tool")) {
        expect(ids).toContain(tool["tool_call_id"])
        expect(typeof tool["name"]).toBe("string")
        expect(typeof tool["content"]).toBe("string")
      }
      expect(messages.every((m) => typeof m["content"] === "string")).toBe(true)
    }
  })

  it("with --keep-parallel, Llama 3.1 refuses parallel turns (so the default splits them)", () => {
    const parallel = records.find((r) => r.turns.some((t) => t.role === "assistant" && (t.tool_calls?.length ?? 0) > 1))!
    expect(() => render("llama-3.1-8b-instruct", line(toHF(parallel, { keepParallel: true })))).toThrow(/only supports single tool-calls/)
    expect(CALLS["qwen2.5-7b-instruct"]!(render("qwen2.5-7b-instruct", line(toHF(parallel, { keepParallel: true }))).text)).toEqual(sourceCalls(parallel))
    expect(CALLS["vllm-hermes"]!(render("vllm-hermes", line(toHF(parallel, { keepParallel: true }))).text)).toEqual(sourceCalls(parallel))
  })
})

describe("parallel results answered out of order", () => {
  const swapped: Conversation = {
    ...records[0]!,
    id: "tool_usage/swapped/v2/s0",
    turns: [
      { role: "user", content: "Compare the two regions." },
      {
        role: "assistant",
        content: "Both at once.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "calculator", arguments: { expression: "1+1" } } },
          { id: "call_2", type: "function", function: { name: "calculator", arguments: { expression: "2+2" } } }
        ]
      },
      { role: "tool", tool_call_id: "call_2", name: "calculator", content: "4" },
      { role: "tool", tool_call_id: "call_1", name: "calculator", content: "2" },
      { role: "assistant", content: "2 and 4." }
    ]
  }

  it("sharegpt lists the results in the order of the calls (it pairs them by position)", () => {
    const value = line(toShareGPT(swapped)) as { conversations: Array<{ from: string; value: string }> }
    expect(value.conversations.find((m) => m.from === "observation")!.value).toBe(`2${OBSERVATION_SEPARATOR}4`)
  })

  it("hf keeps each result next to its own call, split or kept together", () => {
    for (const keepParallel of [false, true]) {
      const messages = line(toHF(swapped, { keepParallel }))["messages"] as Array<Record<string, any>>
      const callIds = messages.flatMap((m) => (m["tool_calls"] ?? []).map((c: { id: string }) => c.id))
      const resultIds = messages.filter((m) => m["role"] === "tool").map((m) => m["tool_call_id"])
      expect(resultIds, `keepParallel ${keepParallel}`).toEqual(callIds)
      expect(messages.filter((m) => m["role"] === "tool").map((m) => m["content"])).toEqual(["2", "4"])
    }
  })
})

describe("a conversation that opens with a system turn", () => {
  const SYSTEM = "You are a careful operations assistant. Cite the tool results you rely on."
  const withSystem = (r: Conversation): Conversation => ({ ...r, turns: [{ role: "system", content: SYSTEM }, ...r.turns] })
  const count = (text: string, part: string) => text.split(part).length - 1

  for (const name of Object.keys(CALLS)) {
    it(`hf on ${name}: the system text is rendered once, and the calls still read back equal`, () => {
      for (const record of records) {
        const value = line(toHF(withSystem(record), { keepParallel: false }))
        expect((value["messages"] as Array<{ role: string }>)[0]!.role).toBe("system")
        const { text } = render(name, value)
        expect(count(text, SYSTEM), `${name} ${record.id}`).toBe(1)
        expect(CALLS[name]!(text), `${name} ${record.id}`).toEqual(sourceCalls(record))
      }
    })
  }

  it("openai keeps it as the first message and the line still meets the fine-tuning schema", () => {
    const ajv = new Ajv2020.default({ strict: false, allErrors: true })
    addFormats.default(ajv)
    const validate = ajv.compile(JSON.parse(readFileSync("../shared/conformance/openai-finetune-line.schema.json", "utf8")))
    for (const record of records) {
      const value = line(toOpenAI(withSystem(record)))
      expect(validate(value), `${record.id}: ${JSON.stringify(validate.errors?.[0])}`).toBe(true)
      expect((value["messages"] as Array<{ role: string; content: string }>)[0]).toEqual({ role: "system", content: SYSTEM })
    }
  })

  it("sharegpt moves it to the system column, and the turns are those without it", () => {
    for (const record of records) {
      const value = line(toShareGPT(withSystem(record)))
      expect(value["system"]).toBe(SYSTEM)
      expect(value["conversations"]).toEqual(line(toShareGPT(record))["conversations"])
      expect(llamaFactoryAccepts(value as { conversations: Array<{ from: string; value: string }>; tools?: unknown }), record.id).toBe(true)
    }
  })
})

describe("hf with --tools-json", () => {
  it("writes tools as one JSON string of the same list, the messages unchanged", () => {
    for (const record of records) {
      for (const keepParallel of [false, true]) {
        const listed = line(toHF(record, { keepParallel }))
        const stringed = line(toHF(record, { keepParallel, toolsJson: true }))
        expect(typeof stringed["tools"], record.id).toBe("string")
        expect(JSON.parse(stringed["tools"] as string)).toEqual(record.tools)
        expect(stringed["messages"]).toEqual(listed["messages"])
      }
    }
  })

  for (const name of Object.keys(CALLS)) {
    it(`renders on ${name} as the list form does once the string is parsed (as TRL's trainers do)`, () => {
      for (const record of records) {
        const stringed = line(toHF(record, { keepParallel: false, toolsJson: true }))
        const parsed = render(name, { ...stringed, tools: JSON.parse(stringed["tools"] as string) })
        expect(parsed).toEqual(render(name, line(toHF(record, { keepParallel: false }))))
        expect(CALLS[name]!(parsed.text), `${name} ${record.id}`).toEqual(sourceCalls(record))
      }
    })
  }

  it("leaves no field of the tools whose JSON kind changes between lines", () => {
    // Two tools whose `body` parameter is typed differently, as in the shipped catalogue.
    const tool = (name: string, type: unknown) => ({ type: "function" as const, function: { name, description: "d", parameters: { type: "object", properties: { body: { type, description: "b" } } } } })
    const a: Conversation = { ...records[0]!, id: "a/a/v1/s0", tools: [tool("send_email", "string")] }
    const b: Conversation = { ...records[0]!, id: "b/b/v1/s0", tools: [tool("post_request", ["object", "string"])] }
    const listed = new FieldKinds()
    const stringed = new FieldKinds()
    for (const r of [a, b]) {
      listed.add(line(toHF(r, { keepParallel: false })))
      stringed.add(line(toHF(r, { keepParallel: false, toolsJson: true })))
    }
    expect(listed.conflicts().map((c) => c.path)).toContain("tools[].function.parameters.properties.body.type")
    expect(stringed.conflicts().filter((c) => c.path.startsWith("tools"))).toEqual([])
  })
})

describe("hf with --arguments-json", () => {
  it("writes each call's arguments as a JSON string of the same object, everything else unchanged", () => {
    for (const record of records) {
      for (const keepParallel of [false, true]) {
        const objects = line(toHF(record, { keepParallel })) as { messages: Array<Record<string, any>> }
        const strings = line(toHF(record, { keepParallel, argumentsJson: true })) as { messages: Array<Record<string, any>> }
        const calls = strings.messages.flatMap((m) => m["tool_calls"] ?? [])
        expect(calls.every((c: { function: { arguments: unknown } }) => typeof c.function.arguments === "string"), record.id).toBe(true)
        const parsedBack = strings.messages.map((m) =>
          m["tool_calls"] === undefined
            ? m
            : { ...m, tool_calls: m["tool_calls"].map((c: any) => ({ ...c, function: { ...c.function, arguments: JSON.parse(c.function.arguments) } })) }
        )
        expect(parsedBack, record.id).toEqual(objects.messages)
      }
    }
  })

  // What DeepSeek V3.1's and functionary v3.2's templates do with a call (written here, not copied):
  // the arguments are concatenated as text, which only a string survives.
  const concatenating = new Template(
    "{%- for message in messages %}{%- if message.tool_calls is defined %}{%- for tool_call in message.tool_calls %}" +
      "{{- '<call>' + tool_call.function.name + '\\n' + tool_call.function.arguments + '</call>\\n' }}" +
      "{%- endfor %}{%- endif %}{%- endfor %}"
  )
  const concatenated = (text: string) =>
    Array.from(text.matchAll(/<call>(.*)\n([\s\S]*?)<\/call>/g), (m) => {
      try {
        return { name: m[1], arguments: JSON.parse(m[2]!) as unknown }
      } catch {
        return { name: m[1], arguments: m[2] }
      }
    })

  it("renders the calls readably on a template that concatenates arguments as text, where objects do not", () => {
    for (const record of records.filter((r) => sourceCalls(r).length > 0)) {
      const strings = line(toHF(record, { keepParallel: false, argumentsJson: true }))
      expect(concatenated(concatenating.render({ messages: strings["messages"] })), record.id).toEqual(sourceCalls(record))
      const objects = line(toHF(record, { keepParallel: false }))
      expect(concatenated(concatenating.render({ messages: objects["messages"] })), record.id).not.toEqual(sourceCalls(record))
    }
  })

  for (const name of Object.keys(CALLS)) {
    it(`is double-encoded by ${name}, which passes arguments through tojson (so it is not the default)`, () => {
      for (const record of records.filter((r) => sourceCalls(r).length > 0)) {
        const { text } = render(name, line(toHF(record, { keepParallel: false, argumentsJson: true })))
        expect(CALLS[name]!(text), `${name} ${record.id}`).toEqual(sourceCalls(record).map((c) => ({ ...c, arguments: JSON.stringify(c.arguments) })))
      }
    })
  }

  it("with --tools-json too, leaves no field whose JSON kind changes between lines", () => {
    const base = records.find((r) => sourceCalls(r).length > 0)!
    const withQuery = (id: string, query: unknown): Conversation => ({
      ...base,
      id,
      turns: base.turns.map((t) =>
        t.role === "assistant" && t.tool_calls !== undefined
          ? { ...t, tool_calls: [{ ...t.tool_calls[0], function: { ...t.tool_calls[0].function, arguments: { query } } }, ...t.tool_calls.slice(1)] as typeof t.tool_calls }
          : t
      ) as unknown as Conversation["turns"]
    })
    const objects = new FieldKinds()
    const strings = new FieldKinds()
    for (const r of [withQuery("a/a/v1/s0", "rainfall in Porto"), withQuery("b/b/v1/s0", { table: "orders", limit: 10 })]) {
      objects.add(line(toHF(r, { keepParallel: false, toolsJson: true })))
      strings.add(line(toHF(r, { keepParallel: false, toolsJson: true, argumentsJson: true })))
    }
    expect(objects.conflicts().map((c) => c.path)).toContain("messages[].tool_calls[].function.arguments.query")
    expect(strings.conflicts()).toEqual([])
  })
})
