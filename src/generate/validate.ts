import type { ValidateFunction } from "ajv"
// By module, not from "effect": the review threads load this file, and the index would cost each one tens of MB.
import * as Either from "effect/Either"
import type { Rejection, RejectionReason } from "../domain/Outcome.js"
import type { Turn } from "../domain/Turn.js"

const reject = (reason: RejectionReason, message: string): Either.Either<never, Rejection> => Either.left({ reason, message })

/** Values that stand for a value instead of being one (whole values only: a phrase that mentions one is real). */
export const PLACEHOLDER: ReadonlyArray<RegExp> = [
  /^<[^<>]{1,60}>$/, // <file_path>
  /^\{\{\s*[\w.-]+\s*\}\}$/, // {{value}}
  /^\[[A-Z_ ]{3,40}\]$/, // [YOUR_FILE]
  /^\.{3}$|^…$/, // ...
  /^(?:your|my)[-_ ]?[a-z_]*(?:key|token|id|name|file|path|email|url|value)$/i, // your_api_key
  /^(?:example|placeholder|dummy)(?:[-_.][a-z0-9_]+)*$/i, // example_file, placeholder.csv (one token)
  /^sample[-_.](?:file|data|value|name|id|path|url)(?:\.[a-z0-9]+)?$/i, // sample_file.csv
  /\bexample\.(?:com|org|net)\b/i,
  /^(?:foo|baz|xxx+|todo|tbd|lorem ipsum(?: dolor)?)$/i
]

/** PLACEHOLDER as two expressions, one per set of flags: a value is read twice instead of nine times. */
const anyOf = (patterns: ReadonlyArray<RegExp>, flags: string) => new RegExp(patterns.map((r) => `(?:${r.source})`).join("|"), flags)
const PLACEHOLDER_CASED = anyOf(PLACEHOLDER.filter((r) => r.flags === ""), "")
const PLACEHOLDER_ANY_CASE = anyOf(PLACEHOLDER.filter((r) => r.flags === "i"), "i")
if (PLACEHOLDER.some((r) => r.flags !== "" && r.flags !== "i")) throw new Error("PLACEHOLDER: only the flags '' and 'i' are combined")

/** Whether a whole value stands for a value (`placeholder.test` for every pattern of PLACEHOLDER). */
export const isPlaceholder = (text: string): boolean => PLACEHOLDER_CASED.test(text) || PLACEHOLDER_ANY_CASE.test(text)

/** Arguments that carry text as data, where any word is a value: code, bodies, and what a search looks for. */
const FREE_TEXT = new Set(["code", "content", "body", "stdin", "pattern", "regex"])

/** The first placeholder found in a call's arguments, with its path. */
export const findPlaceholder = (value: unknown, path = ""): string | undefined => {
  if (typeof value === "string") {
    const text = value.trim()
    return isPlaceholder(text) ? `${path || "value"} = ${JSON.stringify(value)}` : undefined
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findPlaceholder(item, `${path}[${i}]`)
      if (found !== undefined) return found
    }
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (FREE_TEXT.has(key)) continue
      const found = findPlaceholder(item, path === "" ? key : `${path}.${key}`)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/**
 * The deterministic checks a conversation passes before it is scored: a user opens it; roles follow a
 * sensible order; every call names a tool of its scenario, has arguments that satisfy the tool's JSON
 * Schema and no placeholder; every call is answered by exactly one tool turn right after it, and no tool
 * turn answers nothing; an assistant answer without calls ends it.
 */
export const validateConversation = (
  turns: ReadonlyArray<Turn>,
  tools: ReadonlyMap<string, ValidateFunction>
): Either.Either<void, Rejection> => {
  const body = turns[0]?.role === "system" ? turns.slice(1) : turns
  if (body[0]?.role !== "user") return reject("InvalidTurnOrder", `the conversation opens with a ${body[0]?.role ?? "nothing"} turn, not the user`)
  const seen = new Set<string>()
  let pending = new Map<string, string>()
  let previous: Turn["role"] = "user"
  for (const [index, turn] of body.entries()) {
    const n = index + 1
    if (index > 0 && turn.role === "system") return reject("InvalidTurnOrder", `turn ${n} is a system turn inside the conversation`)
    if (turn.role !== "tool" && pending.size > 0) {
      return reject("UnansweredCall", `call ${[...pending.keys()][0]} (${[...pending.values()][0]}) is not answered before turn ${n}`)
    }
    switch (turn.role) {
      case "user":
        if (index > 0 && previous === "user") return reject("InvalidTurnOrder", `turns ${n - 1} and ${n} are both user turns`)
        if (previous === "tool") return reject("InvalidTurnOrder", `user turn ${n} follows tool results the assistant never read`)
        if (turn.content.trim() === "") return reject("InvalidTurnOrder", `user turn ${n} is empty`)
        break
      case "assistant": {
        if (previous === "assistant") return reject("InvalidTurnOrder", `turns ${n - 1} and ${n} are both assistant turns`)
        const calls = turn.tool_calls ?? []
        if (calls.length === 0 && turn.content.trim() === "") return reject("InvalidTurnOrder", `assistant turn ${n} says nothing and calls nothing`)
        pending = new Map()
        for (const call of calls) {
          const name = call.function.name
          if (seen.has(call.id) || pending.has(call.id)) return reject("InvalidTurnOrder", `call id ${call.id} is used twice`)
          const validate = tools.get(name)
          if (validate === undefined) {
            return reject("UnknownTool", `turn ${n} calls ${name}, which is not one of this scenario's tools (${[...tools.keys()].join(", ")})`)
          }
          if (!validate(call.function.arguments)) {
            const error = validate.errors?.[0]
            const where = error?.instancePath === "" || error === undefined ? "" : ` at ${error.instancePath}`
            const detail = error?.keyword === "additionalProperties"
              ? `has an unknown argument ${JSON.stringify((error.params as { additionalProperty?: string }).additionalProperty)}`
              : `${error?.message ?? "is invalid"}${where}`
            return reject("InvalidArguments", `turn ${n}: ${name} arguments ${detail}`)
          }
          const placeholder = findPlaceholder(call.function.arguments)
          if (placeholder !== undefined) return reject("PlaceholderArgument", `turn ${n}: ${name} has a placeholder argument ${placeholder}`)
          pending.set(call.id, name)
        }
        break
      }
      case "tool": {
        if (!pending.has(turn.tool_call_id)) {
          return reject("OrphanToolResult", `tool turn ${n} answers ${turn.tool_call_id}, which no open call of the turn before has`)
        }
        if (pending.get(turn.tool_call_id) !== turn.name) {
          return reject("OrphanToolResult", `tool turn ${n} is named ${turn.name} but answers a call to ${pending.get(turn.tool_call_id)}`)
        }
        pending.delete(turn.tool_call_id)
        seen.add(turn.tool_call_id)
        break
      }
      case "system":
        break
    }
    previous = turn.role === "tool" ? "tool" : turn.role
  }
  if (pending.size > 0) return reject("UnansweredCall", `call ${[...pending.keys()][0]} (${[...pending.values()][0]}) is never answered`)
  const last = body[body.length - 1]!
  if (last.role !== "assistant" || (last.tool_calls?.length ?? 0) > 0 || last.content.trim() === "") {
    return reject("NoFinalAnswer", `the conversation ends with a ${last.role === "assistant" ? "tool call" : `${last.role} turn`}, not an assistant answer`)
  }
  return Either.void
}
