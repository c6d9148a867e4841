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

/**
 * The JSON a model meant: fences stripped, prose before and after dropped, the outermost object (or
 * array) taken. A text that opens an object and never closes it was cut off.
 */
export const extractJson = (text: string, finishReason: string | undefined): Either.Either<unknown, Rejection> => {
  let body = text.replace(/^\uFEFF/, "")
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)(?:```|$)/.exec(body)
  if (fence !== null && fence[1]!.includes("{")) body = fence[1]!
  const start = body.search(/[{[]/)
  if (start < 0) {
    return finishReason === "length"
      ? reject("Truncated", "the output stopped at max_tokens before any JSON began")
      : reject("InvalidJson", `no JSON object in the output (${JSON.stringify(text.slice(0, 60))}...)`)
  }
  const end = balancedSpan(body, start)
  if (end === undefined) {
    return reject("Truncated", `the JSON stops mid-object${finishReason === "length" ? " at max_tokens" : ""} (${body.length - start} characters)`)
  }
  const json = body.slice(start, end)
  try {
    return Either.right(JSON.parse(json))
  } catch {
    // Trailing commas are the one slip that has a single reading.
    try {
      return Either.right(JSON.parse(json.replace(/,(\s*[}\]])/g, "$1")))
    } catch (error) {
      return reject("InvalidJson", `the JSON does not parse (${error instanceof Error ? error.message : String(error)})`)
    }
  }
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
    let answered = 0
    for (const [i, raw] of list.entries()) {
      if (!isRecord(raw)) return reject("WrongShape", `turn ${i + 1} is not an object`)
      const role = ROLES[String(raw["role"] ?? "").toLowerCase()]
      if (role === undefined) return reject("WrongShape", `turn ${i + 1} has role ${JSON.stringify(raw["role"])}; expected user, assistant or tool`)
      // A tool result given as an object or list is its JSON text; anything else must be text.
      const structured = role === "tool" && typeof raw["content"] === "object" && raw["content"] !== null &&
        textOf(raw["content"]) === undefined
      const content = structured ? JSON.stringify(raw["content"]) : textOf(raw["content"])
      if (content === undefined) return reject("WrongShape", `turn ${i + 1} has content that is not text`)
      if (role === "assistant") {
        const rawCalls = Array.isArray(raw["tool_calls"]) ? raw["tool_calls"] : isRecord(raw["function_call"]) ? [raw["function_call"]] : []
        const calls: Array<ToolCall> = []
        for (const rawCall of rawCalls) {
          const call = readCall(rawCall, i, nextId)
          if (Either.isLeft(call)) return Either.left(call.left)
          calls.push(call.right)
        }
        const turn: AssistantTurn = calls.length > 0
          ? { role, content, tool_calls: calls as [ToolCall, ...Array<ToolCall>] }
          : { role, content }
        turns.push(turn)
        block = calls
        answered = 0
        continue
      }
      if (role === "tool") {
        const given = typeof raw["tool_call_id"] === "string" && raw["tool_call_id"] !== "" ? raw["tool_call_id"] : undefined
        // Without an id, the n-th result of a block answers the n-th call.
        const call = given !== undefined ? block.find((c) => c.id === given) : block[answered]
        answered++
        const id = given ?? call?.id
        const name = typeof raw["name"] === "string" && raw["name"] !== "" ? raw["name"] : call?.function.name
        if (id === undefined || name === undefined) {
          return reject("WrongShape", `tool turn ${i + 1} names no call and follows no unanswered call`)
        }
        const turn: ToolTurn = { role, tool_call_id: id, name, content }
        turns.push(turn)
        continue
      }
      turns.push({ role, content })
      block = []
      answered = 0
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
