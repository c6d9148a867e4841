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
  // Times of day (`10:30:12`, `T08:15Z`) are kept whole below, not as figures: their pieces are not
  // values anyone hands on, and `30` from a timestamp is not the `per_page: 30` of a later call.
  const out = new Set<string>(figures(text.includes(":") ? text.replace(TIME_OF_DAY, " ") : text))
  // A scaled figure (`360k`, `3.5 million`) is also the number it stands for.
  for (const { value } of scaledFigures(text)) out.add(String(value))
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
    // The parts of a URL or path carry values of their own (`.../containers/MSKU4829105/tracking`,
    // `reports/carrier_deliveries.csv`, a host without its `www.`): those with a digit or a separator.
    if (splits) {
      for (const part of token.split(/[/:]+/)) {
        if (part.length < 4 || part.length === token.length || !/[\d._-]/.test(part)) continue
        const lower = part.toLowerCase()
        out.add(lower)
        if (lower.startsWith("www.") && lower.length >= 8) out.add(lower.slice(4))
      }
    }
  }
  return out
}

/**
 * Up to two unit words after a figure in written arithmetic (`4 rooms`, `38 GB`, `90 days`): not `x`
 * (a times sign), nor the words that give the result.
 */
export const UNIT_WORDS = String.raw`(?:\s+(?!(?:x|is|are|comes|gives|makes)\b)[A-Za-z]+){0,2}`

/** A time of day, with seconds, fractions and a zone when written: `10:30`, `10:30:12.5`, `08:15Z`. */
const TIME_OF_DAY = /(?<![\d:])\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z\b|[+-]\d{2}:?\d{2}\b)?(?![\d:])/g

const SCALES: Readonly<Record<string, number>> = { k: 1e3, thousand: 1e3, m: 1e6, mn: 1e6, million: 1e6, bn: 1e9, billion: 1e9 }
const SCALE_HINT = /\d\s?(?:k|thousand|m|mn|million|bn|billion)\b/i
const SCALED = /(?<![\w.,])(\d[\d,]*(?:\.\d+)?)\s?(k|thousand|m|mn|million|bn|billion)\b/gi

/**
 * Figures written with a scale word or suffix (`360k`, `48.2k`, `3.51 million`, `€2.4bn`): each as
 * written, its value, and the scale (a figure stands for its value within half a unit of its last
 * digit times the scale). `m` is read as million only right after a figure (`12m`, `12 m`).
 */
export const scaledFigures = (text: string): Array<{ readonly raw: string; readonly value: number; readonly scale: number }> => {
  const out: Array<{ raw: string; value: number; scale: number }> = []
  // Most texts have no scale word after a figure: they are answered by one quick test.
  if (!SCALE_HINT.test(text)) return out
  for (const m of text.matchAll(SCALED)) {
    const scale = SCALES[m[2]!.toLowerCase()]!
    const value = numberValue(m[1]!) * scale
    if (Number.isFinite(value)) out.push({ raw: m[1]!, value: Math.round(value * 1e6) / 1e6, scale })
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
const MAYBE_ERROR_OR_EMPTY =
  /error|exception|traceback|success|"ok"|status|state|result|code|\[\s*\]|count|total|fail|fatal|panic|not found|time|denied|unauthori|forbidden|refused|no such file|unavailable|\b[45]\d\d\b|no (?:results|matches|rows|records|items)|nothing found|0 rows/i

/** An error word, in a plain-text result's first line or an error object's message. */
const ERROR_WORDS = /\b(error|exception|traceback|failed|failure|not found|timed? ?out|denied|unauthori[sz]ed|forbidden|refused|no such file|(?:service|temporarily) unavailable)\b/i
/**
 * An HTTP failure as a result's opening: a status line (`HTTP/1.1 503 ...`), or a 4xx/5xx code with its
 * reason phrase (`429 Too Many Requests`); a bare `450 Market St` is an address, not a status.
 */
const HTTP_FAILURE =
  /^(?:HTTP\/\d(?:\.\d)?\s+[45]\d\d\b|[45]\d\d\s+(?:Bad Request|Payment Required|Method Not Allowed|Not Acceptable|Conflict|Gone|Unprocessable|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b)/i
/** A line that opens with an exception's name (`TypeError: ...`, `java.lang.NullPointerException`) or a panic. */
const EXCEPTION_LINE = /^[ \t]*(?:[\w.$]+(?:Error|Exception)\b|panic:|fatal:)/
/** A state that names a failure: `"status": "error"`, `"state": "failed"`. */
const FAILED_STATE = /^(?:error|errored|failed|failure|fail|fatal)$/i
/**
 * What an error object holds besides its state. A `status: "failed"` beside anything else (a payment's
 * id and amount) is data the tool looked up, not its own failure.
 */
const ERROR_FIELDS = new Set(["status", "state", "result", "message", "msg", "detail", "details", "error", "errors", "reason", "code", "status_code", "statusCode", "request_id", "timestamp"])
const LIST_KEYS = ["rows", "results", "items", "data", "matches", "hits", "records", "entries"] as const
const COUNT_KEYS = ["count", "row_count", "total", "total_count"] as const
/** Where an API nests its payload: an empty list one or two levels down is still an empty answer. */
const NESTS = ["body", "response", "hits", "data", "result"] as const

/** Whether a field holds something: `"error": null`, `0`, `false`, `[]`, `{}` or `""` report no error. */
const holds = (value: unknown): boolean =>
  value !== null && value !== undefined && value !== false && value !== "" && value !== 0 &&
  !(Array.isArray(value) && value.length === 0) && !(typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)

/** No rows, an empty list, a count of zero (`"total": {"value": 0}` too), here or in a nested payload. */
const emptyAnswer = (record: Record<string, unknown>, depth: number): boolean => {
  for (const key of LIST_KEYS) if (Array.isArray(record[key]) && (record[key] as Array<unknown>).length === 0) return true
  for (const key of COUNT_KEYS) {
    const value = record[key]
    if (value === 0 || (typeof value === "object" && value !== null && (value as Record<string, unknown>)["value"] === 0)) return true
  }
  if (depth > 0) {
    for (const key of NESTS) {
      const inner = record[key]
      if (typeof inner === "object" && inner !== null && !Array.isArray(inner) && emptyAnswer(inner as Record<string, unknown>, depth - 1)) {
        // A nested empty list or zero count beside results found elsewhere is a part, not the answer.
        return !holdsResults(record, 2)
      }
    }
  }
  return false
}

/** Whether a non-empty list sits anywhere in a payload (two levels down at most). */
const holdsResults = (value: unknown, depth: number): boolean => {
  if (Array.isArray(value)) return value.length > 0
  if (typeof value !== "object" || value === null || depth < 0) return false
  for (const inner of Object.values(value)) if (holdsResults(inner, depth - 1)) return true
  return false
}

/**
 * Whether a tool result reports an error or comes back empty:
 * - JSON: an `error`, `errors`, `exception` or `traceback` that holds something; `success`/`ok` false;
 *   a `status`/`state`/`result` of error or failed; a 4xx/5xx `status`, `status_code`, `statusCode`,
 *   `http_status` or `code`; no rows or a zero count (up to two levels down); a non-zero `exit_code`; a
 *   small object whose `message` or `detail` is an error (`{"detail": "Not Found"}`); an empty list.
 * - Text: an HTTP status line (`503 Service Unavailable`), "No results found", "(0 rows)", a Python
 *   traceback, a line opening with `SomeError:`, `SomeException`, `panic` or `fatal`, or an error word
 *   in the first line (a log that holds ERROR lines further down is data, not a failure).
 */
/**
 * The JSON rules of `isErrorOrEmpty` for an object. An HTTP envelope (`{"status": 200, "headers": ...,
 * "body": {...}}`, as an API client tool returns a response) is read through to its `body` or
 * `response`: a 200 whose body says `"ok": false` is an error all the same.
 */
const objectIsErrorOrEmpty = (record: Record<string, unknown>, envelope: boolean): boolean => {
  for (const key of ["error", "errors", "exception", "traceback"]) if (holds(record[key])) return true
  if (record["success"] === false || record["ok"] === false) return true
  const onlyErrorFields = Object.keys(record).every((key) => ERROR_FIELDS.has(key))
  for (const key of ["status", "state", "result"]) {
    const value = record[key]
    if (onlyErrorFields && typeof value === "string" && FAILED_STATE.test(value.trim())) return true
  }
  const status = Number(record["status"] ?? record["status_code"] ?? record["statusCode"] ?? record["http_status"] ?? record["code"])
  if (Number.isInteger(status) && status >= 400 && status < 600) return true
  if (emptyAnswer(record, 2)) return true
  if (typeof record["exit_code"] === "number" && record["exit_code"] !== 0) return true
  const keys = Object.keys(record).length
  for (const key of ["message", "detail"]) {
    const value = record[key]
    if (keys <= 2 && typeof value === "string" && ERROR_WORDS.test(value)) return true
  }
  // An envelope says so: an HTTP status as a number, or headers (a ticket's `body` is not one).
  if (envelope && (typeof (record["status"] ?? record["status_code"] ?? record["statusCode"]) === "number" || typeof record["headers"] === "object")) {
    for (const key of ["body", "response"]) {
      const inner = record[key]
      if (Array.isArray(inner) ? inner.length === 0 : typeof inner === "object" && inner !== null && objectIsErrorOrEmpty(inner as Record<string, unknown>, false)) return true
    }
  }
  return false
}

export const isErrorOrEmpty = (content: string): boolean => {
  const text = content.trim()
  if (text === "" || text === "null" || text === "[]" || text === "{}") return true
  if (!MAYBE_ERROR_OR_EMPTY.test(text)) return false
  try {
    const json = JSON.parse(text) as unknown
    if (Array.isArray(json)) return json.length === 0
    if (typeof json === "object" && json !== null) return objectIsErrorOrEmpty(json as Record<string, unknown>, true)
    if (typeof json !== "string") return false
  } catch {
    // plain text
  }
  if (HTTP_FAILURE.test(text)) return true
  if (/^\(?(?:no (?:results|matches|rows|records|items)(?: (?:were )?found)?|nothing found|0 rows)\b/i.test(text)) return true
  if (/traceback \(most recent call last\)/i.test(text)) return true
  // An exception or a panic opens or closes what a failed program prints (a Node or Java trace opens
  // with it, a Python traceback ends with it); further in, it is a line of data such as a log.
  const newline = text.indexOf("\n")
  const first = newline < 0 ? text : text.slice(0, newline)
  const last = text.slice(text.lastIndexOf("\n") + 1)
  if (EXCEPTION_LINE.test(first) || EXCEPTION_LINE.test(last)) return true
  return ERROR_WORDS.test(first)
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
