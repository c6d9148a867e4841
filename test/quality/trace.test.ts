import { describe, expect, it } from "vitest"
import { allNumberValues, atoms, eachFigure, figures, isErrorOrEmpty, normaliseNumber, numberValue, scaledFigures, words } from "../../src/quality/trace.js"

// The plain definitions the fast versions must agree with.
const referenceWords = (text: string) => new Set(text.toLowerCase().match(/[a-z][a-z0-9]{3,}/g) ?? [])
const REFERENCE_ERROR_WORDS = /\b(error|exception|traceback|failed|failure|not found|timed? ?out|denied|unauthori[sz]ed|forbidden|refused|no such file|(?:service|temporarily) unavailable)\b/i
const referenceIsErrorOrEmpty = (content: string): boolean => {
  const text = content.trim()
  if (text === "" || text === "null" || text === "[]" || text === "{}") return true
  const holds = (v: unknown) => v !== null && v !== undefined && v !== false && v !== "" && v !== 0 && !(Array.isArray(v) && v.length === 0) && !(typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0)
  const empty = (r: Record<string, unknown>, depth: number): boolean =>
    ["rows", "results", "items", "data", "matches", "hits", "records", "entries"].some((k) => Array.isArray(r[k]) && (r[k] as Array<unknown>).length === 0) ||
    ["count", "row_count", "total", "total_count"].some((k) => r[k] === 0 || (r[k] as { value?: unknown } | null)?.value === 0) ||
    (depth > 0 && ["body", "response", "hits", "data", "result"].some((k) => typeof r[k] === "object" && r[k] !== null && !Array.isArray(r[k]) && empty(r[k] as Record<string, unknown>, depth - 1)) && !results(r, 2))
  const results = (v: unknown, depth: number): boolean =>
    Array.isArray(v) ? v.length > 0 : typeof v === "object" && v !== null && depth >= 0 && Object.values(v).some((x) => results(x, depth - 1))
  const errorFields = new Set(["status", "state", "result", "message", "msg", "detail", "details", "error", "errors", "reason", "code", "status_code", "statusCode", "request_id", "timestamp"])
  try {
    const json = JSON.parse(text) as unknown
    if (Array.isArray(json)) return json.length === 0
    if (typeof json === "object" && json !== null) {
      const r = json as Record<string, unknown>
      if (["error", "errors", "exception", "traceback"].some((k) => holds(r[k]))) return true
      if (r["success"] === false || r["ok"] === false) return true
      const onlyErrorFields = Object.keys(r).every((k) => errorFields.has(k))
      if (onlyErrorFields && ["status", "state", "result"].some((k) => typeof r[k] === "string" && /^(?:error|errored|failed|failure|fail|fatal)$/i.test((r[k] as string).trim()))) return true
      const status = Number(r["status"] ?? r["status_code"] ?? r["statusCode"] ?? r["http_status"] ?? r["code"])
      if (Number.isInteger(status) && status >= 400 && status < 600) return true
      if (empty(r, 2)) return true
      if (typeof r["exit_code"] === "number" && r["exit_code"] !== 0) return true
      return Object.keys(r).length <= 2 && ["message", "detail"].some((k) => typeof r[k] === "string" && REFERENCE_ERROR_WORDS.test(r[k] as string))
    }
    if (typeof json !== "string") return false
  } catch {
    // plain text
  }
  return /^(?:HTTP\/\d(?:\.\d)?\s+[45]\d\d\b|[45]\d\d\s+(?:Bad Request|Payment Required|Method Not Allowed|Not Acceptable|Conflict|Gone|Unprocessable|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b)/i.test(text) ||
    /^\(?(?:no (?:results|matches|rows|records|items)(?: (?:were )?found)?|nothing found|0 rows)\b/i.test(text) ||
    /traceback \(most recent call last\)/i.test(text) ||
    [text.split("\n")[0]!, text.split("\n").at(-1)!].some((line) => /^[ \t]*(?:[\w.$]+(?:Error|Exception)\b|panic:|fatal:)/.test(line)) ||
    REFERENCE_ERROR_WORDS.test(text.split("\n")[0]!)
}

const FIGURE = /(?<![\w.])-?\d[\d,]*(?:\.\d+)?%?/g
const referenceFigureSpans = (text: string) =>
  Array.from(text.matchAll(FIGURE), (m) => ({ raw: m[0], informative: m[0].replace(/\D/g, "").length >= 2 || m[0].includes(".") }))
const referenceFigures = (text: string) => referenceFigureSpans(text).filter((f) => f.informative).map((f) => normaliseNumber(f.raw))
const referenceNumberValues = (text: string) =>
  Array.from(text.matchAll(/\d[\d,]*(?:\.\d+)?/g), (m) => numberValue(m[0])).filter(Number.isFinite)

const referenceAtoms = (text: string): Set<string> => {
  const times = /(?<![\d:])\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z\b|[+-]\d{2}:?\d{2}\b)?(?![\d:])/g
  const out = new Set<string>(referenceFigures(text.replace(times, " ")))
  for (const { value } of scaledFigures(text)) out.add(String(value))
  for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9_\-./:@#]{2,}[A-Za-z0-9]/g)) {
    const token = match[0]
    if (/\d/.test(token) || /[_\-./:@#]/.test(token)) out.add(token.toLowerCase())
    for (const part of token.split(/[/?&=:]+/)) {
      if (part.length >= 4 && part !== token && /[\d._-]/.test(part)) out.add(part.toLowerCase())
      if (part.length >= 8 && part !== token && /^www\./i.test(part)) out.add(part.slice(4).toLowerCase())
    }
  }
  return out
}

/** Results as tools send them, and whether each reports an error or comes back empty. */
const VERDICTS: Record<string, boolean> = {
  "No results found.": true,
  "(0 rows)": true,
  "HTTP/1.1 503 Service Unavailable\nRetry-After: 30": true,
  "429 Too Many Requests": true,
  "450 Market St, San Francisco": false,
  "TypeError: Cannot read properties of undefined (reading 'id')\n    at handler (index.js:12:9)": true,
  "KeyError: 'customer_id'": true,
  "java.lang.NullPointerException\n\tat App.main(App.java:3)": true,
  "Traceback (most recent call last):\n  File \"x.py\", line 1": true,
  "panic: runtime error: index out of range": true,
  "2025-05-01 09:00:01 INFO job started\n2025-05-01 09:00:07 ERROR disk quota exceeded on /var": false,
  "Service unavailable, try again later": true,
  [`{"status": "error", "message": "user is locked"}`]: true,
  [`{"state": "FAILED"}`]: true,
  [`{"statusCode": 404}`]: true,
  [`{"http_status": 502}`]: true,
  [`{"error": null, "data": [1, 2]}`]: false,
  [`{"errors": []}`]: false,
  [`{"exception": null}`]: false,
  [`{"errors": 0, "rows": [{"id": 7}]}`]: false,
  [`{"detail": "Not Found"}`]: true,
  [`{"message": "Deleted 3 files, no failures"}`]: false,
  [`{"took": 3, "hits": {"total": {"value": 0}, "hits": []}}`]: true,
  [`{"response": {"data": {"items": []}}}`]: true,
  [`{"result": "ok", "rows": [{"id": 1}]}`]: false,
  // What a tool looked up, not its own failure:
  [`{"payment_id": "pay_123", "amount": 40, "status": "failed"}`]: false,
  [`{"build_id": 981, "state": "failed"}`]: false,
  "Room 204 unavailable on 12 March; Room 305 available at €120.": false,
  [`{"sku": "X-1", "message": "Item unavailable in Berlin"}`]: false,
  [`{"order": {"id": 7, "items": [{"sku": "X-1"}]}, "data": {"count": 0}}`]: false,
  "Found 2 matching log lines:\n09:00 TimeoutError: upstream took 30s\n09:05 retry ok": false,
  "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\nKeyError: 'id'": true,
  "Service temporarily unavailable": true
}

let seed = 11
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!

describe("trace helpers", () => {
  it("words: the same tokens as the regular-expression definition, on text of every kind", () => {
    const pieces = ["Revenue", "q1", "2024", "ab", "abc", "abcd", "x9y8z7", "_", "-", " ", "\n", "É", "ü", "İstanbul", "straße", "ΑΒΓΔ", "42ab", "ab42", "AbCdE", "`", "@", "[", "{", "\u0010", "\u0019", "é"]
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(pieces)).join(random() < 0.5 ? "" : " ")
      expect(words(text), JSON.stringify(text)).toEqual(referenceWords(text))
    }
  })

  it("figures and number values: the same matches as the regular-expression definitions", () => {
    const pieces = ["-", "--", "-5", "5", "12", "1,234", "1,234,", "12.5", "12.", ".5", "0.75%", "%", ",", ".", "a", "x1", "_7", "7_", "e5", "1e5", " ", "\n", "(", "€", "é", "٣", "１２", "12%5", "3.4.5", "v2.1", "−4"]
    for (let i = 0; i < 4000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 10) }, () => pick(pieces)).join(random() < 0.6 ? "" : " ")
      const spans: Array<{ raw: string; informative: boolean }> = []
      eachFigure(text, (raw, informative) => spans.push({ raw, informative }))
      expect(spans, JSON.stringify(text)).toEqual(referenceFigureSpans(text))
      expect(figures(text), JSON.stringify(text)).toEqual(referenceFigures(text))
      expect(allNumberValues(text), JSON.stringify(text)).toEqual(referenceNumberValues(text))
    }
    expect(figures("revenue 48,210 (up 16.5%) in Q1, -3.25 on 2024-01-31, 7 items")).toEqual(["48210", "16.5", "-3.25", "2024", "1", "31"])
  })

  it("atoms: path parts without digits, hosts without www, scaled figures, and no pieces of a time of day", () => {
    expect(atoms("see reports/carrier_deliveries.csv")).toContain("carrier_deliveries.csv")
    expect(atoms("https://www.acme-tools.com/pricing")).toContain("acme-tools.com")
    const scaled = atoms("revenue 360k, churn 3.5 million")
    expect(scaled.has("360000") && scaled.has("3500000")).toBe(true)
    expect([...atoms("synced at 2025-03-04T10:30:12Z")].filter((a) => a === "30" || a === "10" || a === "12")).toEqual([])
  })

  it("atoms: the same values as the regular-expression definition", () => {
    const pieces = ["MSKU4829105", "https://api.x.io/v2/containers/MSKU4829105/tracking?id=77", "reports/2024/q1.csv", "a@b.io", "#1234", "--", "-x-", "..", "ab", "abc", "abcd", "A1", "INV-2024-0042", "48,210", "16.5%", "v2:", ":8080", "_id_", " ", "\n", "(", ")", "=", "?", "&", "é", "2024-01-31", "data/carrier_deliveries.csv", "https://www.acme-tools.com/a", "10:30:12", "T08:15Z", "at 9:05", "360k", "3.5 million", "12m", "€2.4bn"]
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 10) }, () => pick(pieces)).join(random() < 0.5 ? "" : " ")
      expect([...atoms(text)].sort(), JSON.stringify(text)).toEqual([...referenceAtoms(text)].sort())
    }
  })

  it("isErrorOrEmpty: errors and empty answers in the shapes tools send them, and data that only mentions them", () => {
    for (const [result, verdict] of Object.entries(VERDICTS)) expect(isErrorOrEmpty(result), result).toBe(verdict)
  })

  it("isErrorOrEmpty: the same verdict as parsing every result", () => {
    const results = [
      `{"rows": []}`, `{"rows": [ ]}`, `{"rows": [1]}`, `{"status": 404}`, `{"status": "503"}`, `{"status_code": 200}`, `{"code": 500, "msg": "x"}`,
      `{"ok": false}`, `{"ok": true}`, `{"success": false}`, `{"count": 0}`, `{"row_count": 0}`, `{"total": 0}`, `{"total": 12}`, `{"exit_code": 1}`,
      `{"exit_code": 0}`, `{"errors": []}`, `{"Error": "x"}`, `{"traceback": "..."}`, `{"exception": null}`, `{"items": [], "next": null}`,
      `{"data": [], "page": 2}`, `{"matches": []}`, `{"revenue_total": 48210, "region": "EMEA"}`, `[]`, `[ ]`, `[1, 2]`, `null`, `{}`, ``, `  `,
      `The file was not found.`, `Request timed out after 30s`, `Timeout`, `permission denied`, `401 Unauthorized`, `Connection refused`,
      `No such file or directory`, `All good: 3 rows updated.`, `{"note": "no failures"}`, `{"note": "failure rate 2%"}`, `{"temperature": 21}`,
      `"ok"`, `42`, `{"nested": {"error": "x"}}`, `{"results": [{"error": "partial"}]}`, `{"status": "ok"}`, `{"message": "Forbidden"}`,
      ...Object.keys(VERDICTS)
    ]
    for (const r of results) expect(isErrorOrEmpty(r), r).toBe(referenceIsErrorOrEmpty(r))
    for (let i = 0; i < 2000; i++) {
      const keys = ["rows", "status", "code", "ok", "count", "total", "note", "region", "exit_code", "results", "error"]
      const values = ["[]", "[1]", "0", "1", "404", "200", "false", "true", `"failed"`, `"fine"`, "null", `"timed out"`]
      const text = `{${Array.from({ length: 1 + Math.floor(random() * 3) }, () => `"${pick(keys)}": ${pick(values)}`).join(", ")}}`
      expect(isErrorOrEmpty(text), text).toBe(referenceIsErrorOrEmpty(text))
    }
  })
})
