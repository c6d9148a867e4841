import type { Conversation } from "../domain/Conversation.js"
import type { ToolCall, Turn } from "../domain/Turn.js"

export type ExportFormat = "openai" | "sharegpt" | "hf"
export const EXPORT_FORMATS: ReadonlyArray<ExportFormat> = ["openai", "sharegpt", "hf"]

/** One record in a trainer's shape, or why it is left out; `notes` count faithful but lossy choices. */
export type Exported =
  | { readonly _tag: "line"; readonly value: Record<string, unknown>; readonly notes?: ReadonlyArray<string> }
  | { readonly _tag: "skip"; readonly reason: string }

export interface HfOptions {
  /** Keep several calls in one assistant turn (Qwen, Hermes) instead of one call per turn (Llama 3.x). */
  readonly keepParallel: boolean
  /**
   * `tools` as one JSON string instead of a list: the form TRL prefers since huggingface/trl#5118 (its
   * trainers parse it), which a `datasets` table types as a plain string whatever the tools' shapes.
   */
  readonly toolsJson?: boolean | undefined
  /**
   * Each call's `arguments` as a JSON string instead of an object: for templates that concatenate
   * them as text (DeepSeek V3.1 and R1-Distill, functionary v3.2), which print a mapping's repr or fail
   * on an object; templates that pass them through `tojson` (Llama 3.x, Mistral) would double-encode it.
   */
  readonly argumentsJson?: boolean | undefined
}

const callsOf = (turn: Turn): ReadonlyArray<ToolCall> => (turn.role === "assistant" ? turn.tool_calls ?? [] : [])
const hasParallel = (record: Conversation) => record.turns.some((t) => callsOf(t).length > 1)

/**
 * OpenAI's fine-tuning chat format: `messages` with assistant `tool_calls` whose `arguments` are a JSON
 * **string**, tool messages with `tool_call_id`, top-level `tools`, and `parallel_tool_calls` saying
 * whether any turn makes several calls.
 */
export const toOpenAI = (record: Conversation): Exported => ({
  _tag: "line",
  value: {
    messages: record.turns.map((turn) => {
      switch (turn.role) {
        case "assistant": {
          const calls = callsOf(turn)
          return calls.length === 0
            ? { role: "assistant", content: turn.content }
            : {
              role: "assistant",
              content: turn.content === "" ? null : turn.content,
              tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) } }))
            }
        }
        case "tool":
          return { role: "tool", tool_call_id: turn.tool_call_id, content: turn.content }
        default:
          return { role: turn.role, content: turn.content }
      }
    }),
    tools: record.tools,
    parallel_tool_calls: hasParallel(record)
  }
})

/** How LLaMA-Factory's converter of OpenAI-format data joins the results of parallel calls (converter.py). */
export const OBSERVATION_SEPARATOR = "\n</tool_response>\n<tool_response>\n"

/** LLaMA-Factory's rule: human or observation at even places, gpt or function_call at odd ones, an even count. */
export const sharegptAlternationProblem = (conversations: ReadonlyArray<{ readonly from: string }>): string | undefined => {
  for (const [i, message] of conversations.entries()) {
    const ok = i % 2 === 0 ? message.from === "human" || message.from === "observation" : message.from === "gpt" || message.from === "function_call"
    if (!ok) return `message ${i + 1} is ${message.from} where ${i % 2 === 0 ? "human or observation" : "gpt or function_call"} must stand`
  }
  return conversations.length % 2 === 0 ? undefined : `an odd number of messages (${conversations.length})`
}

/**
 * LLaMA-Factory's ShareGPT with tools: `conversations` of human / gpt / function_call / observation,
 * `function_call` values a JSON string of `{"name", "arguments": {...}}` (a list for parallel calls, whose
 * results go into one `observation`, joined as LLaMA-Factory joins them), `system` (empty when the
 * record has none) and `tools` (a JSON string of the bare
 * function objects) as columns. LLaMA-Factory trains an assistant turn carrying text and a call as the
 * call alone, and its role order leaves no room for a gpt turn before a function_call: the reasoning
 * text before a call is therefore dropped (and counted), never moved elsewhere.
 */
export const toShareGPT = (record: Conversation): Exported => {
  const conversations: Array<{ from: string; value: string }> = []
  const notes: Array<string> = []
  let system: string | undefined
  let pending: Array<{ readonly id: string; readonly content: string }> = []
  let lastCalls: ReadonlyArray<ToolCall> = []
  /**
   * One observation per block: a lone result as it is, parallel results in the order of the calls
   * (paired by position: results given in another order must not swap), joined as LLaMA-Factory's own
   * OpenAI converter joins them, so that its Qwen-style templates show one `<tool_response>` block per
   * result, as the model will see them at inference.
   */
  const flush = () => {
    if (pending.length === 0) return
    const position = (id: string) => {
      const i = lastCalls.findIndex((c) => c.id === id)
      return i < 0 ? Number.MAX_SAFE_INTEGER : i
    }
    const ordered = [...pending].sort((a, b) => position(a.id) - position(b.id)).map((p) => p.content)
    conversations.push({ from: "observation", value: ordered.join(OBSERVATION_SEPARATOR) })
    pending = []
  }
  for (const [i, turn] of record.turns.entries()) {
    if (turn.role !== "tool") flush()
    switch (turn.role) {
      case "system":
        if (i === 0) system = turn.content
        else return { _tag: "skip", reason: "a system turn inside the conversation" }
        break
      case "user":
        conversations.push({ from: "human", value: turn.content })
        break
      case "assistant": {
        const calls = callsOf(turn)
        if (calls.length === 0) {
          conversations.push({ from: "gpt", value: turn.content })
          break
        }
        if (turn.content.trim() !== "") notes.push("reasoning text before a call dropped")
        lastCalls = calls
        const payload = calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }))
        conversations.push({ from: "function_call", value: JSON.stringify(payload.length === 1 ? payload[0] : payload) })
        break
      }
      case "tool":
        pending.push({ id: turn.tool_call_id, content: turn.content })
        break
    }
  }
  flush()
  const problem = sharegptAlternationProblem(conversations)
  if (problem !== undefined) return { _tag: "skip", reason: `LLaMA-Factory's role order: ${problem}` }
  return {
    _tag: "line",
    value: {
      conversations,
      // Always there: LLaMA-Factory reads the column as `example["system"]`, and a file in which no
      // line has it has no such column (a KeyError on every row). Empty means the template's default.
      system: system ?? "",
      tools: JSON.stringify(record.tools.map((t) => t.function))
    },
    notes
  }
}

/** A 9-character alphanumeric call id (what Mistral-family templates demand), stable per record and call. */
export const shortCallId = (recordId: string, callId: string, salt = 0): string => {
  let h1 = 0x811c9dc5 ^ salt
  let h2 = 0x2545f491
  const text = `${recordId}#${callId}`
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193)
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x9e3779b1)
  }
  return ((h1 >>> 0).toString(36) + (h2 >>> 0).toString(36)).replace(/[^a-z0-9]/g, "").padEnd(9, "0").slice(0, 9)
}

/**
 * The Hugging Face / TRL / Axolotl conversational form: `messages` with `arguments` as **objects**, tool
 * messages carrying `tool_call_id` and `name`, content always a string, `tools` as a list. Call ids are
 * 9-character alphanumerics (Mistral templates refuse others; the rest ignore them). Unless
 * `keepParallel`, an assistant turn with several calls becomes one turn per call, each followed by its
 * result (the first keeps the text), since Llama 3.x templates allow one call per turn. With
 * `toolsJson`, `tools` is the same list as one JSON string; with `argumentsJson`, each call's arguments.
 */
export const toHF = (record: Conversation, options: HfOptions): Exported => {
  const ids = new Map<string, string>()
  const used = new Set<string>()
  const idFor = (callId: string) => {
    const known = ids.get(callId)
    if (known !== undefined) return known
    let salt = 0
    let id = shortCallId(record.id, callId)
    while (used.has(id)) id = shortCallId(record.id, callId, ++salt)
    ids.set(callId, id)
    used.add(id)
    return id
  }
  const args = (c: ToolCall) => (options.argumentsJson === true ? JSON.stringify(c.function.arguments) : c.function.arguments)
  const call = (c: ToolCall) => ({ id: idFor(c.id), type: "function", function: { name: c.function.name, arguments: args(c) } })
  const toolMessage = (turn: Extract<Turn, { role: "tool" }>) => ({ role: "tool", tool_call_id: idFor(turn.tool_call_id), name: turn.name, content: turn.content })
  const messages: Array<Record<string, unknown>> = []
  const notes: Array<string> = []
  const turns = record.turns
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!
    const calls = callsOf(turn)
    if (turn.role === "tool") {
      messages.push(toolMessage(turn))
      continue
    }
    if (turn.role !== "assistant" || calls.length === 0) {
      messages.push({ role: turn.role, content: turn.content })
      continue
    }
    if (calls.length === 1) {
      messages.push({ role: "assistant", content: turn.content, tool_calls: calls.map(call) })
      continue
    }
    const results: Array<Extract<Turn, { role: "tool" }>> = []
    while (turns[i + 1]?.role === "tool") results.push(turns[++i] as Extract<Turn, { role: "tool" }>)
    const resultsOf = (c: ToolCall) => results.filter((r) => r.tool_call_id === c.id)
    if (options.keepParallel) {
      // Results in the order of the calls: Qwen and Hermes templates show them by position, not by id.
      messages.push({ role: "assistant", content: turn.content, tool_calls: calls.map(call) })
      for (const c of calls) for (const r of resultsOf(c)) messages.push(toolMessage(r))
      continue
    }
    // One call per turn: each call followed by its own result, in the order the calls were made.
    notes.push("parallel calls split into one call per turn")
    for (const [k, c] of calls.entries()) {
      messages.push({ role: "assistant", content: k === 0 ? turn.content : "", tool_calls: [call(c)] })
      for (const r of resultsOf(c)) messages.push(toolMessage(r))
    }
  }
  return { _tag: "line", value: { messages, tools: options.toolsJson === true ? JSON.stringify(record.tools) : record.tools }, notes }
}

export const exportRecord = (format: ExportFormat, record: Conversation, hf: HfOptions): Exported =>
  format === "openai" ? toOpenAI(record) : format === "sharegpt" ? toShareGPT(record) : toHF(record, hf)

/** The `dataset_info.json` entry LLaMA-Factory needs for a ShareGPT export. */
export const datasetInfoEntry = (name: string, fileName: string) => ({
  [name]: { file_name: fileName, formatting: "sharegpt", columns: { messages: "conversations", system: "system", tools: "tools" } }
})
