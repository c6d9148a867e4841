/** Go `time.Duration` strings as Groq sends them in reset headers and 429 messages. */
const PART = /(\d+(?:\.\d+)?)\s*(h|ms|m|s|us|µs|ns)/g
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 }

/**
 * `"2m59.56s"` → 179560, `"577.5ms"` → 577.5, `"1h2m3s"` → 3723000, `"6m 11.52s"` → 371520.
 * A bare number is seconds (as `retry-after` and Together's resets are). Anything else: `undefined`.
 */
export const parseGoDuration = (text: string): number | undefined => {
  const trimmed = text.trim()
  if (trimmed === "") return undefined
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  let total = 0
  let consumed = ""
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!
    consumed += match[0]
  }
  return consumed.replace(/\s/g, "") === trimmed.replace(/\s/g, "") ? total : undefined
}
