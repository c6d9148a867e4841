import type { ToolCall, Turn } from "../domain/Turn.js"

/** A call with where it stands and what answered it: the structure every rule reads first. */
export interface TracedCall {
  readonly call: ToolCall
  /** Index of the assistant turn that made it. */
  readonly turn: number
  /** The tool turn answering it, if any. */
  readonly result: { readonly turn: number; readonly content: string } | undefined
}

export interface Trace {
  readonly turns: ReadonlyArray<Turn>
  readonly calls: ReadonlyArray<TracedCall>
  /** Results that answer no call of their block. */
  readonly orphans: number
  /** The last turn, when it is an assistant answer without calls. */
  readonly finalAnswer: string | undefined
  /**
   * What several rules read, computed once per trace. Held by the trace rather than in a WeakMap keyed
   * by it: the young-generation collector keeps a WeakMap's entries alive, and every conversation
   * would then be promoted to the old generation.
   */
  readonly memo?: {
    links?: ReadonlyArray<{ readonly from: number; readonly to: number }>
    recoveries?: number
    argumentText?: Array<string>
    signatures?: Array<string>
  }
}

/** `callSignature` of call `i`, computed once per trace (scores, patterns and dedup all read it). */
export const signatureAt = (trace: Trace, i: number): string => {
  const cached = trace.memo?.signatures?.[i]
  if (cached !== undefined) return cached
  const signature = callSignature(trace.calls[i]!.call)
  if (trace.memo !== undefined) (trace.memo.signatures ??= [])[i] = signature
  return signature
}

/** The leaf values of call `i`'s arguments as one text (a line each), computed once per trace. */
export const argumentText = (trace: Trace, i: number): string => {
  const cached = trace.memo?.argumentText?.[i]
  if (cached !== undefined) return cached
  const text = argumentTexts(trace.calls[i]!.call.function.arguments).join(" \n ")
  if (trace.memo !== undefined) (trace.memo.argumentText ??= [])[i] = text
  return text
}

export const callsOf = (turn: Turn): ReadonlyArray<ToolCall> => (turn.role === "assistant" ? turn.tool_calls ?? [] : [])

/** Pairs every call with its result (by id, within the block after its turn). */
export const trace = (turns: ReadonlyArray<Turn>): Trace => {
  const calls: Array<TracedCall> = []
  let orphans = 0
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!
    if (turn.role === "assistant") {
      for (const call of callsOf(turn)) {
        let result: TracedCall["result"]
        for (let j = i + 1; j < turns.length && turns[j]!.role === "tool"; j++) {
          const answer = turns[j]!
          if (answer.role === "tool" && answer.tool_call_id === call.id) {
            result = { turn: j, content: answer.content }
            break
          }
        }
        calls.push({ call, turn: i, result })
      }
    } else if (turn.role === "tool") {
      let k = i - 1
      while (k >= 0 && turns[k]!.role === "tool") k--
      const owner = turns[k]
      if (owner === undefined || owner.role !== "assistant" || !callsOf(owner).some((c) => c.id === turn.tool_call_id)) orphans++
    }
  }
  const last = turns[turns.length - 1]
  const finalAnswer = last?.role === "assistant" && callsOf(last).length === 0 && last.content.trim() !== "" ? last.content : undefined
  return { turns, calls, orphans, finalAnswer, memo: {} }
}

/** Every leaf value of a call's arguments, as text. */
export const argumentTexts = (value: unknown): Array<string> => {
  if (value === null || value === undefined) return []
  if (typeof value === "string") return [value]
  if (typeof value === "number" || typeof value === "boolean") return [String(value)]
  if (Array.isArray(value)) return value.flatMap(argumentTexts)
  if (typeof value === "object") return Object.values(value).flatMap(argumentTexts)
  return []
}

/** A number as written, normalised: `48,210` → `48210`, `16.50%` → `16.5`. */
export const normaliseNumber = (text: string): string => {
  const bare = withoutSeparators(text)
  const n = Number(bare)
  return Number.isFinite(n) ? String(n) : bare
}

/** The value of a number as written (`48,210` → 48210, `16.5%` → 16.5). */
export const numberValue = (text: string): number => Number(withoutSeparators(text))

const withoutSeparators = (text: string) => (text.includes(",") || text.endsWith("%") ? text.replace(/[,%]/g, "") : text)

const isDigit = (c: number) => c >= 48 && c <= 57

/**
 * Where a number written from `i` on ends: `\d[\d,]*(?:\.\d+)?` (its first digit at `i`), then a `%` when
 * `percent` allows one.
 */
const numberEnd = (text: string, i: number, percent: boolean): number => {
  let j = i + 1
  while (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 44) j++
  if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
    j += 2
    while (isDigit(text.charCodeAt(j))) j++
  }
  if (percent && text.charCodeAt(j) === 37) j++
  return j
}

/**
 * Calls `visit` with each figure as written: the matches of `/(?<![\w.])-?\d[\d,]*(?:\.\d+)?%?/g`
 * (not inside a word or after a point; a minus sign and a percent sign included), found without a
 * regular expression, with whether it has two digits or more or a decimal part.
 */
export const eachFigure = (text: string, visit: (raw: string, informative: boolean) => void): void => {
  const length = text.length
  let i = 0
  while (i < length) {
    const c = text.charCodeAt(i)
    const minus = c === 45 && isDigit(text.charCodeAt(i + 1))
    if (minus || isDigit(c)) {
      const before = i === 0 ? 32 : text.charCodeAt(i - 1)
      if (!(isAlnum(before) || before === 95 || before === 46)) {
        const end = numberEnd(text, minus ? i + 1 : i, true)
        let digits = 0
        let point = false
        for (let k = i; k < end; k++) {
          const d = text.charCodeAt(k)
          if (isDigit(d)) digits++
          else if (d === 46) point = true
        }
        visit(text.slice(i, end), digits >= 2 || point)
        i = end
        continue
      }
    }
    i++
  }
}

/** Figures with some information in them (two digits or more, or a decimal part). */
export const figures = (text: string): Array<string> => {
  const out: Array<string> = []
  eachFigure(text, (raw, informative) => {
    if (informative) out.push(normaliseNumber(raw))
  })
  return out
}

/**
 * Every number in a text, inside identifiers too (`events_2025_02`): what a source makes known. The
 * values of the matches of `/\d[\d,]*(?:\.\d+)?/g`, found without a regular expression.
 */
export const allNumberValues = (text: string): Array<number> => {
  const out: Array<number> = []
  const length = text.length
  let i = 0
  while (i < length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++
      continue
    }
    const end = numberEnd(text, i, false)
    const n = numberValue(text.slice(i, end))
    if (Number.isFinite(n)) out.push(n)
    i = end
  }
  return out
}

/**
 * The concrete values in a text that could be handed on: figures, and identifier-like tokens (ids,
 * paths, URLs, emails, codes) that hold a digit or a separator.
 */
export const atoms = (text: string): Set<string> => {
  const out = new Set<string>(figures(text))
  // Runs of identifier characters, each trimmed to its first and last letter or digit: the matches of
  // /[A-Za-z0-9][A-Za-z0-9_\-./:@#]{2,}[A-Za-z0-9]/g, found without a regular expression.
  let start = -1
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32
    if (isAlnum(c) || isSeparator(c)) {
      if (start < 0) start = i
      continue
    }
    if (start < 0) continue
    let first = start
    let last = i - 1
    start = -1
    while (first <= last && !isAlnum(text.charCodeAt(first))) first++
    while (last >= first && !isAlnum(text.charCodeAt(last))) last--
    if (last - first + 1 < 4) continue
    let digit = false
    let separator = false
    let splits = false
    for (let j = first; j <= last; j++) {
      const d = text.charCodeAt(j)
      if (d >= 48 && d <= 57) digit = true
      else if (isSeparator(d)) {
        separator = true
        if (d === 47 || d === 58) splits = true
      }
    }
    if (!digit && !separator) continue
    const token = text.slice(first, last + 1)
    out.add(token.toLowerCase())
    // The parts of a URL or path carry values of their own (`.../containers/MSKU4829105/tracking`).
    if (digit && splits) for (const part of token.split(/[/:]+/)) if (part.length >= 4 && /\d/.test(part)) out.add(part.toLowerCase())
  }
  return out
}

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
/** `_ - . / : @ #` */
const isSeparator = (c: number) => c === 95 || c === 45 || c === 46 || c === 47 || c === 58 || c === 64 || c === 35

/** Lower-case word tokens of four letters or more (a letter, then letters or digits), for overlap measures. */
export const words = (text: string): Set<string> => {
  const out = new Set<string>()
  let start = -1
  for (let i = 0; i <= text.length; i++) {
    const raw = i < text.length ? text.charCodeAt(i) : 0
    // Lower-casing other scripts can yield ASCII letters (`İ` → `i̇`): such text takes the slow road.
    if (raw >= 128) return new Set(text.toLowerCase().match(/[a-z][a-z0-9]{3,}/g) ?? [])
    const lower = raw | 32
    if ((lower >= 97 && lower <= 122) || (raw >= 48 && raw <= 57 && start >= 0)) {
      if (start < 0) start = i
    } else if (start >= 0) {
      if (i - start >= 4) out.add(text.slice(start, i).toLowerCase())
      start = -1
    }
  }
  return out
}

/**
 * Every condition of `isErrorOrEmpty` needs one of these in the text: most results have none and are
 * answered without parsing them.
 */
const MAYBE_ERROR_OR_EMPTY = /error|exception|traceback|success|"ok"|status|code|\[\s*\]|count|total|fail|not found|time|denied|unauthori|forbidden|refused|no such file/i

/** Whether a tool result reports an error or comes back empty. */
export const isErrorOrEmpty = (content: string): boolean => {
  const text = content.trim()
  if (text === "" || text === "null" || text === "[]" || text === "{}") return true
  if (!MAYBE_ERROR_OR_EMPTY.test(text)) return false
  try {
    const json = JSON.parse(text) as unknown
    if (Array.isArray(json)) return json.length === 0
    if (typeof json === "object" && json !== null) {
      const record = json as Record<string, unknown>
      if ("error" in record || "errors" in record || "exception" in record || "traceback" in record) return true
      if (record["success"] === false || record["ok"] === false) return true
      const status = Number(record["status"] ?? record["status_code"] ?? record["code"])
      if (Number.isInteger(status) && status >= 400 && status < 600) return true
      for (const key of ["rows", "results", "items", "data", "matches"]) {
        if (Array.isArray(record[key]) && (record[key] as Array<unknown>).length === 0) return true
      }
      if (record["count"] === 0 || record["row_count"] === 0 || record["total"] === 0) return true
      if (typeof record["exit_code"] === "number" && record["exit_code"] !== 0) return true
      return false
    }
  } catch {
    // plain text
  }
  return /\b(error|exception|traceback|failed|failure|not found|timed? ?out|denied|unauthori[sz]ed|forbidden|refused|no such file)\b/i.test(text)
}

/** `name(sorted args)`: the identity of a call for repeats and duplicates. */
export const callSignature = (call: ToolCall): string => `${call.function.name}(${stableJson(call.function.arguments)})`

export const stableJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}
