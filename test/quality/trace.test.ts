import { describe, expect, it } from "vitest"
import { allNumberValues, atoms, eachFigure, figures, isErrorOrEmpty, normaliseNumber, numberValue, words } from "../../src/quality/trace.js"

// The plain definitions the fast versions must agree with.
const referenceWords = (text: string) => new Set(text.toLowerCase().match(/[a-z][a-z0-9]{3,}/g) ?? [])
const referenceIsErrorOrEmpty = (content: string): boolean => {
  const text = content.trim()
  if (text === "" || text === "null" || text === "[]" || text === "{}") return true
  try {
    const json = JSON.parse(text) as unknown
    if (Array.isArray(json)) return json.length === 0
    if (typeof json === "object" && json !== null) {
      const r = json as Record<string, unknown>
      if ("error" in r || "errors" in r || "exception" in r || "traceback" in r) return true
      if (r["success"] === false || r["ok"] === false) return true
      const status = Number(r["status"] ?? r["status_code"] ?? r["code"])
      if (Number.isInteger(status) && status >= 400 && status < 600) return true
      for (const key of ["rows", "results", "items", "data", "matches"]) if (Array.isArray(r[key]) && (r[key] as Array<unknown>).length === 0) return true
      if (r["count"] === 0 || r["row_count"] === 0 || r["total"] === 0) return true
      if (typeof r["exit_code"] === "number" && r["exit_code"] !== 0) return true
      return false
    }
  } catch {
    // plain text
  }
  return /\b(error|exception|traceback|failed|failure|not found|timed? ?out|denied|unauthori[sz]ed|forbidden|refused|no such file)\b/i.test(text)
}

const FIGURE = /(?<![\w.])-?\d[\d,]*(?:\.\d+)?%?/g
const referenceFigureSpans = (text: string) =>
  Array.from(text.matchAll(FIGURE), (m) => ({ raw: m[0], informative: m[0].replace(/\D/g, "").length >= 2 || m[0].includes(".") }))
const referenceFigures = (text: string) => referenceFigureSpans(text).filter((f) => f.informative).map((f) => normaliseNumber(f.raw))
const referenceNumberValues = (text: string) =>
  Array.from(text.matchAll(/\d[\d,]*(?:\.\d+)?/g), (m) => numberValue(m[0])).filter(Number.isFinite)

const referenceAtoms = (text: string): Set<string> => {
  const out = new Set<string>(referenceFigures(text))
  for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9_\-./:@#]{2,}[A-Za-z0-9]/g)) {
    const token = match[0]
    if (/\d/.test(token) || /[_\-./:@#]/.test(token)) out.add(token.toLowerCase())
    for (const part of token.split(/[/?&=:]+/)) if (part.length >= 4 && part !== token && /\d/.test(part)) out.add(part.toLowerCase())
  }
  return out
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

  it("atoms: the same values as the regular-expression definition", () => {
    const pieces = ["MSKU4829105", "https://api.x.io/v2/containers/MSKU4829105/tracking?id=77", "reports/2024/q1.csv", "a@b.io", "#1234", "--", "-x-", "..", "ab", "abc", "abcd", "A1", "INV-2024-0042", "48,210", "16.5%", "v2:", ":8080", "_id_", " ", "\n", "(", ")", "=", "?", "&", "é", "2024-01-31"]
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 10) }, () => pick(pieces)).join(random() < 0.5 ? "" : " ")
      expect([...atoms(text)].sort(), JSON.stringify(text)).toEqual([...referenceAtoms(text)].sort())
    }
  })

  it("isErrorOrEmpty: the same verdict as parsing every result", () => {
    const results = [
      `{"rows": []}`, `{"rows": [ ]}`, `{"rows": [1]}`, `{"status": 404}`, `{"status": "503"}`, `{"status_code": 200}`, `{"code": 500, "msg": "x"}`,
      `{"ok": false}`, `{"ok": true}`, `{"success": false}`, `{"count": 0}`, `{"row_count": 0}`, `{"total": 0}`, `{"total": 12}`, `{"exit_code": 1}`,
      `{"exit_code": 0}`, `{"errors": []}`, `{"Error": "x"}`, `{"traceback": "..."}`, `{"exception": null}`, `{"items": [], "next": null}`,
      `{"data": [], "page": 2}`, `{"matches": []}`, `{"revenue_total": 48210, "region": "EMEA"}`, `[]`, `[ ]`, `[1, 2]`, `null`, `{}`, ``, `  `,
      `The file was not found.`, `Request timed out after 30s`, `Timeout`, `permission denied`, `401 Unauthorized`, `Connection refused`,
      `No such file or directory`, `All good: 3 rows updated.`, `{"note": "no failures"}`, `{"note": "failure rate 2%"}`, `{"temperature": 21}`,
      `"ok"`, `42`, `{"nested": {"error": "x"}}`, `{"results": [{"error": "partial"}]}`, `{"status": "ok"}`, `{"message": "Forbidden"}`
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
