import { Either } from "effect"
import type { Rejection } from "../domain/Outcome.js"
import type { AssistantTurn, ToolCall, ToolTurn, Turn } from "../domain/Turn.js"

const reject = (reason: "InvalidJson" | "Truncated" | "WrongShape", message: string): Either.Either<never, Rejection> =>
  Either.left({ reason, message })

/** The span of the first balanced JSON object or array in `text`, reading strings correctly. */
const balancedSpan = (text: string, start: number): number | undefined => {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === "\\") i++
      else if (c === "\"") inString = false
      continue
    }
    if (c === "\"") inString = true
    else if (c === "{" || c === "[") depth++
    else if (c === "}" || c === "]") {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return undefined
}

/** Removes commas right before `}` or `]`, outside strings only: the one slip with a single reading. */
const dropTrailingCommas = (json: string): string => {
  let out = ""
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!
    if (inString) {
      out += c
      if (c === "\\") out += json[++i] ?? ""
      else if (c === "\"") inString = false
      continue
    }
    if (c === "\"") inString = true
    if (c === ",") {
      let j = i + 1
      while (j < json.length && /\s/.test(json[j]!)) j++
      if (json[j] === "}" || json[j] === "]") continue
    }
    out += c
  }
  return out
}

const tryParse = (json: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string } => {
  try {
    return { ok: true, value: JSON.parse(json) }
  } catch (error) {
    try {
      return { ok: true, value: JSON.parse(dropTrailingCommas(json)) }
    } catch {
      return { ok: false, error: error instanceof Error ? error.message : String(error) }
    }
  }
}

/** Whether a parsed value looks like the conversation asked for (so a JSON example in prose is passed over). */
const looksLikeConversation = (value: unknown): boolean =>
  Array.isArray(value)
    ? value.length > 0 && value.every((t) => typeof t === "object" && t !== null && "role" in t)
    : typeof value === "object" && value !== null && ("turns" in value || "messages" in value || "conversation" in value)

/** Candidate starts tried at most, so a long reply full of braces stays cheap. */
const MAX_CANDIDATES = 64

const FINAL_CHANNEL = "<|channel|>final<|message|>"

/**
 * The spans of a reply that are thinking some servers leave in the content: `<think>` blocks (DeepSeek
 * R1, Qwen3), everything up to a lone `</think>` (templates that open the block in the prompt, so the
 * reply only closes it), a `<think>` never closed (to the end), and gpt-oss's raw channels (everything
 * before `<|channel|>final<|message|>`, or from the analysis channel on when there is no final one).
 */
const thinkingSpans = (text: string): Array<readonly [number, number]> => {
  const spans: Array<readonly [number, number]> = []
  if (text.includes("<|channel|>")) {
    const final = text.lastIndexOf(FINAL_CHANNEL)
    if (final >= 0) spans.push([0, final + FINAL_CHANNEL.length])
    else {
      const analysis = text.search(/<\|channel\|>\s*analysis/)
      if (analysis >= 0) spans.push([analysis, text.length])
    }
  }
  if (!text.includes("think>")) return spans
  const pairs = [...text.matchAll(/<think>[\s\S]*?<\/think>/g)].map((m) => [m.index, m.index + m[0].length] as const)
  spans.push(...pairs)
  const inPair = (i: number) => pairs.some(([a, b]) => i >= a && i < b)
  let close = text.lastIndexOf("</think>")
  while (close >= 0 && inPair(close)) close = close === 0 ? -1 : text.lastIndexOf("</think>", close - 1)
  if (close >= 0) spans.push([0, close + "</think>".length])
  for (let open = text.indexOf("<think>"); open >= 0; open = text.indexOf("<think>", open + 1)) {
    if (!inPair(open) && open > close) {
      spans.push([open, text.length])
      break
    }
  }
  return spans
}

/**
 * The answer in a reply: the reply without its thinking (`thinkingSpans`); `undefined` when the reply
 * is thinking only.
 */
const answerWithout = (body: string, spans: ReadonlyArray<readonly [number, number]>): string | undefined => {
  if (spans.length === 0) return body
  let answer = ""
  let at = 0
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (a > at) answer += body.slice(at, a)
    at = Math.max(at, b)
  }
  answer += body.slice(at).replace(/<\|(?:end|return|call)\|>\s*$/, "")
  return answer.trim() === "" ? undefined : answer
}

/**
 * The first balanced object (or list of turns) in `body` that parses and looks like a conversation,
 * passing over candidates `skip` names; else why none did.
 */
const scan = (body: string, finishReason: string | undefined, skip?: (start: number, end: number) => boolean): Either.Either<unknown, Rejection> => {
  const nextStart = (from: number) => {
    const i = body.slice(from).search(/[{[]/)
    return i < 0 ? -1 : from + i
  }
  let firstError: string | undefined
  let unclosed = false
  let tried = 0
  for (let start = nextStart(0); start >= 0 && tried < MAX_CANDIDATES; start = nextStart(start + 1)) {
    tried++
    const end = balancedSpan(body, start)
    if (end === undefined) {
      unclosed = true
      continue
    }
    if (skip?.(start, end) === true) continue
    const candidate = tryParse(body.slice(start, end))
    if (candidate.ok && looksLikeConversation(candidate.value)) return Either.right(candidate.value)
    if (!candidate.ok) firstError ??= candidate.error
  }
  if (unclosed || (finishReason === "length" && firstError === undefined)) {
    return reject("Truncated", `the JSON stops mid-object${finishReason === "length" ? " at max_tokens" : ""} (${body.length} characters)`)
  }
  if (firstError !== undefined) return reject("InvalidJson", `the JSON does not parse (${firstError})`)
  return reject("InvalidJson", `no conversation JSON in the output (${JSON.stringify(body.slice(0, 60))}...)`)
}

/**
 * The JSON a model meant: the whole reply when it parses; else, with its thinking taken out, the inside
 * of a fence wrapping the whole answer or the first balanced object (or list of turns) in it that
 * parses and looks like a conversation, so prose and fences around it are dropped while code blocks
 * inside its strings are left alone. A conversation whose strings talk about `<think>` or `</think>`
 * would be cut there: when the answer holds none, the reply is scanned whole, passing over only the
 * candidates that lie inside thinking (a draft is never read). A text that opens an object and never
 * closes it was cut off.
 */
export const extractJson = (text: string, finishReason: string | undefined): Either.Either<unknown, Rejection> => {
  const raw = tryParse(text)
  if (raw.ok) return Either.right(raw.value)
  const unmarked = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const spans = thinkingSpans(unmarked)
  const answer = answerWithout(unmarked, spans)
  const fromAnswer = answer === undefined
    ? reject("Truncated", `the reply is all thinking, with no answer after it${finishReason === "length" ? ": the model reached max_tokens while thinking" : ""} (${text.length} characters)`)
    : fromText(answer.trim(), finishReason)
  if (Either.isRight(fromAnswer) || spans.length === 0) return fromAnswer
  const inside = (start: number, end: number) => spans.some(([a, b]) => start >= a && end <= b)
  return Either.orElse(scan(unmarked, finishReason, inside), () => fromAnswer)
}

/** A whole text as JSON, the inside of a fence wrapping it, or the conversation found in it. */
const fromText = (body: string, finishReason: string | undefined): Either.Either<unknown, Rejection> => {
  const whole = tryParse(body)
  if (whole.ok) return Either.right(whole.value)
  const fenced = /^```(?:json|JSON)?[ \t]*\n([\s\S]*?)(?:\n```)?$/.exec(body)
  if (fenced !== null) {
    const inner = tryParse(fenced[1]!.trim())
    if (inner.ok) return Either.right(inner.value)
    return scan(fenced[1]!, finishReason)
  }
  return scan(body, finishReason)
}

/**
 * The conversation in a completion. A reasoning model's thinking comes apart from the content
 * (`reasoning`, `reasoning_content`) and is never data, with two exceptions of reading: an empty answer
 * cut off at `max_tokens` after thinking is said to be that (the fix is more tokens or less thinking,
 * not a resample that thinks as long), and an empty answer that ended normally is read from the
 * reasoning, where vLLM's reasoning parsers put the whole reply when a model skips its opening tag.
 */
export const parseCompletion = (
  completion: {
    readonly content: string
    readonly finishReason: string | undefined
    readonly reasoning?: string | undefined
    readonly provider: string
    readonly usage?: { readonly completion_tokens: number }
  },
  maxTokens?: number
): Either.Either<ReadonlyArray<Turn>, Rejection> => {
  const { content, finishReason, reasoning, provider } = completion
  if (reasoning === undefined || content.trim() !== "") {
    const parsed = parseConversation(content, finishReason)
    // Cut off well before max_tokens: the server's own context filled up (Ollama's OpenAI endpoint keeps
    // its 4,096-token default whatever the request says; llama.cpp splits -c across its slots).
    const written = completion.usage?.completion_tokens ?? 0
    if (Either.isLeft(parsed) && parsed.left.reason === "Truncated" && finishReason === "length" && maxTokens !== undefined && written > 0 && written < 0.9 * maxTokens) {
      return reject(
        "Truncated",
        `the reply stops after ${written} of max_tokens ${maxTokens} tokens: the server's context is full, not the budget; ` +
          `give the server a longer context (Ollama: OLLAMA_CONTEXT_LENGTH; llama.cpp: -c, shared by its slots)`
      )
    }
    return parsed
  }
  if (finishReason === "length") {
    return reject(
      "Truncated",
      `the model spent max_tokens thinking (${reasoning.length} characters of reasoning) and wrote no answer; ` +
        `raise generation.max_tokens or set providers.${provider}.reasoning_effort to low`
    )
  }
  return parseConversation(reasoning, finishReason)
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** Text content: a string, nothing, or OpenAI's list of text parts. */
const textOf = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return ""
  if (typeof value === "string") return value
  if (Array.isArray(value)) {
    const parts = value.map((part) => (typeof part === "string" ? part : isRecord(part) && typeof part["text"] === "string" ? part["text"] : undefined))
    return parts.every((p) => p !== undefined) ? parts.join("") : undefined
  }
  return undefined
}

/** A tool result: text as it is, a list of text parts joined, anything else (a list, an object) as its JSON. */
const toolText = (value: unknown): string => {
  if (value === undefined || value === null) return ""
  if (typeof value === "string") return value
  if (Array.isArray(value) && value.length > 0 && value.every((p) => isRecord(p) && p["type"] === "text" && typeof p["text"] === "string")) {
    return value.map((p) => (p as { text: string }).text).join("")
  }
  return JSON.stringify(value)
}

const ROLES: Record<string, Turn["role"]> = { user: "user", assistant: "assistant", tool: "tool", system: "system", function: "tool" }

/**
 * Reads a model's conversation into our turn shape, accepting what has one reading: `{"turns": [...]}`
 * (or `messages`, or a bare list), `arguments` as a JSON string, calls without ids (numbered
 * `call_1..n`), bare `{name, arguments}` calls and the old `function_call`, tool turns without an id or
 * name (matched to the calls of their block in order), tool results given as objects. The rest is
 * refused with a typed reason; the validator checks what the turns mean.
 */
export const parseConversation = (text: string, finishReason: string | undefined): Either.Either<ReadonlyArray<Turn>, Rejection> =>
  Either.flatMap(extractJson(text, finishReason), (json): Either.Either<ReadonlyArray<Turn>, Rejection> => {
    const list = Array.isArray(json)
      ? json
      : isRecord(json)
      ? json["turns"] ?? json["messages"] ?? json["conversation"]
      : undefined
    if (!Array.isArray(list) || list.length === 0) {
      return reject("WrongShape", `expected {"turns": [...]} with at least one turn, got ${isRecord(json) ? `keys ${Object.keys(json).join(", ")}` : typeof json}`)
    }
    const usedIds = new Set<string>()
    for (const raw of list) {
      if (isRecord(raw) && Array.isArray(raw["tool_calls"])) {
        for (const call of raw["tool_calls"]) if (isRecord(call) && typeof call["id"] === "string" && call["id"] !== "") usedIds.add(call["id"])
      }
    }
    let counter = 0
    const nextId = () => {
      let id: string
      do id = `call_${++counter}`
      while (usedIds.has(id))
      usedIds.add(id)
      return id
    }
    const turns: Array<Turn> = []
    let block: Array<ToolCall> = []
    let unanswered: Array<ToolCall> = []
    /** Ids of earlier, closed blocks; a model that restarts at call_1 each turn gets fresh ids here. */
    const closedIds = new Set<string>()
    let renamed = new Map<string, string>()
    const closeBlock = () => {
      for (const c of block) closedIds.add(c.id)
      block = []
      unanswered = []
      renamed = new Map()
    }
    for (const [i, raw] of list.entries()) {
      if (!isRecord(raw)) return reject("WrongShape", `turn ${i + 1} is not an object`)
      const role = ROLES[String(raw["role"] ?? "").toLowerCase()]
      if (role === undefined) return reject("WrongShape", `turn ${i + 1} has role ${JSON.stringify(raw["role"])}; expected user, assistant or tool`)
      const content = role === "tool" ? toolText(raw["content"]) : textOf(raw["content"])
      if (content === undefined) return reject("WrongShape", `turn ${i + 1} has content that is not text`)
      if (role === "assistant") {
        const rawCalls = Array.isArray(raw["tool_calls"]) ? raw["tool_calls"] : isRecord(raw["function_call"]) ? [raw["function_call"]] : []
        closeBlock()
        const calls: Array<ToolCall> = []
        for (const rawCall of rawCalls) {
          const call = readCall(rawCall, i, nextId)
          if (Either.isLeft(call)) return Either.left(call.left)
          let c = call.right
          if (closedIds.has(c.id)) {
            const fresh = nextId()
            renamed.set(c.id, fresh)
            c = { ...c, id: fresh }
          }
          calls.push(c)
        }
        const turn: AssistantTurn = calls.length > 0
          ? { role, content, tool_calls: calls as [ToolCall, ...Array<ToolCall>] }
          : { role, content }
        turns.push(turn)
        block = calls
        unanswered = [...calls]
        continue
      }
      if (role === "tool") {
        const rawId = typeof raw["tool_call_id"] === "string" && raw["tool_call_id"] !== "" ? raw["tool_call_id"] : undefined
        const given = rawId === undefined ? undefined : renamed.get(rawId) ?? rawId
        const givenName = typeof raw["name"] === "string" && raw["name"] !== "" ? raw["name"] : undefined
        // Without an id: the one open call of that name, else the next open call in order.
        const byName = givenName === undefined ? [] : unanswered.filter((c) => c.function.name === givenName)
        const call = given !== undefined ? block.find((c) => c.id === given) : byName.length === 1 ? byName[0] : unanswered[0]
        if (call !== undefined) unanswered = unanswered.filter((c) => c !== call)
        const id = given ?? call?.id
        const name = givenName ?? call?.function.name
        if (id === undefined || name === undefined) {
          return reject("WrongShape", `tool turn ${i + 1} names no call and follows no unanswered call`)
        }
        const turn: ToolTurn = { role, tool_call_id: id, name, content }
        turns.push(turn)
        continue
      }
      turns.push({ role, content })
      closeBlock()
    }
    return Either.right(turns)
  })

const readCall = (raw: unknown, turn: number, nextId: () => string): Either.Either<ToolCall, Rejection> => {
  if (!isRecord(raw)) return reject("WrongShape", `a tool call in turn ${turn + 1} is not an object`)
  const fn = isRecord(raw["function"]) ? raw["function"] : raw
  const name = fn["name"]
  if (typeof name !== "string" || name === "") return reject("WrongShape", `a tool call in turn ${turn + 1} has no function name`)
  let args = fn["arguments"] ?? fn["parameters"] ?? {}
  if (typeof args === "string") {
    try {
      args = args.trim() === "" ? {} : JSON.parse(args)
    } catch {
      return reject("InvalidJson", `the arguments of ${name} in turn ${turn + 1} are a string that is not JSON`)
    }
  }
  if (!isRecord(args)) return reject("WrongShape", `the arguments of ${name} in turn ${turn + 1} are not an object`)
  const id = typeof raw["id"] === "string" && raw["id"] !== "" ? raw["id"] : nextId()
  return Either.right({ id, type: "function", function: { name, arguments: args } })
}
