import { ParseResult } from "effect"
import { closest } from "./merge.js"

/** `providers.groq.rpm`, `scenarios[2].variations[0].kind`. */
export const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("")

/** The keys Effect lists as valid in an "is unexpected, expected: "a" | "b"" message. */
const validKeys = (message: string): ReadonlyArray<string> => {
  const list = message.split("expected:")[1] ?? ""
  return Array.from(list.matchAll(/"([^"]+)"/g), (match) => match[1]!)
}

/** One clause for one decoding problem: `path: expected ..., got ...`, or an unknown key with a guess. */
export const describeIssue = (issue: ParseResult.ArrayFormatterIssue): string => {
  const path = pathText(issue.path)
  if (issue._tag === "Unexpected") {
    const keys = validKeys(issue.message)
    const guess = closest(String(issue.path[issue.path.length - 1]), keys)
    return `unknown key ${path}${guess === undefined ? "" : ` (did you mean ${guess}?)`}` +
      (keys.length > 0 ? `; valid keys there: ${keys.join(", ")}` : "; remove it")
  }
  if (issue._tag === "Missing") return `${path}: missing; add it`
  return path === "" ? issue.message : `${path}: ${issue.message}`
}

/** The first problem as one line, with a count of the others. */
export const firstIssue = (error: ParseResult.ParseError) => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const issue = issues[0]!
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : ""
  return { issue, text: describeIssue(issue), more }
}
