import type { ValidateFunction } from "ajv"
import type { QualityScores } from "../domain/Conversation.js"
import type { Variation } from "../domain/Scenario.js"
import { findPlaceholder } from "../generate/validate.js"
import { chainLinks, explainedToolTurns } from "./patterns.js"
import {
  allNumberValues,
  argumentText,
  eachFigure,
  isErrorOrEmpty,
  normaliseNumber,
  numberValue,
  scaledFigures,
  signatureAt,
  type Trace,
  UNIT_WORDS,
  words
} from "./trace.js"

export type Weights = QualityScores

const clamp = (x: number) => Math.max(0, Math.min(1, x))
const round = (x: number) => Math.round(x * 1000) / 1000

const BOILERPLATE = [
  /\bas an ai\b/i,
  /\bas a (?:large )?language model\b/i,
  /\bi'?m (?:just )?an ai\b/i,
  /\bi (?:do not|don't) have (?:personal|real-time)\b/i,
  /\bcertainly!? here (?:is|are)\b/i,
  /\bi hope (?:this|that) helps\b/i,
  /\bfeel free to (?:ask|reach out)\b/i,
  /\bhere is the (?:conversation|json)\b/i,
  /\bthis (?:synthetic )?conversation\b/i,
  /\bgreat question\b/i
]
/** All of BOILERPLATE in one expression: most texts have none, and are read once instead of ten times. */
const ANY_BOILERPLATE = new RegExp(BOILERPLATE.map((r) => r.source).join("|"), "i")
const GENERIC_VALUES = new Set(["data", "file", "query", "string", "text", "value", "test", "input", "output", "info", "stuff", "thing"])

/** The string values among a call's arguments (numbers and booleans are concrete by nature). */
const stringLeaves = (value: unknown): Array<string> =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
    ? value.flatMap(stringLeaves)
    : value !== null && typeof value === "object"
    ? Object.values(value).flatMap(stringLeaves)
    : []

/** `structure`: pairing, order, no empty or duplicated turns, a final answer. */
const structure = (trace: Trace): number => {
  let s = 1
  const unanswered = trace.calls.filter((c) => c.result === undefined).length
  s -= 0.45 * Math.min(2, unanswered)
  s -= 0.35 * Math.min(2, trace.orphans)
  if (trace.finalAnswer === undefined) s -= 0.4
  const body = trace.turns[0]?.role === "system" ? trace.turns.slice(1) : trace.turns
  if (body[0]?.role !== "user") s -= 0.3
  for (let i = 1; i < trace.turns.length; i++) {
    const a = trace.turns[i - 1]!
    const b = trace.turns[i]!
    if (a.role === b.role && a.role !== "tool") s -= 0.25
    // Two identical results of parallel calls are fine; two identical messages are not.
    if (a.role === b.role && a.role !== "tool" && a.content.trim() !== "" && a.content === b.content) s -= 0.3
  }
  for (const turn of trace.turns) {
    if (turn.role === "tool" && turn.content.trim() === "") s -= 0.1
    if (turn.role === "assistant" && turn.content.trim() === "" && (turn.tool_calls?.length ?? 0) === 0) s -= 0.2
  }
  return clamp(s)
}

/** `tool_use`: calls fit the variation, arguments concrete and valid, no pointless repeats, chains where asked. */
const toolUse = (trace: Trace, validators: ReadonlyMap<string, ValidateFunction>, variation: Variation | undefined): number => {
  const calls = trace.calls
  if (variation?.trouble === "no_tool") return calls.length === 0 ? 1 : clamp(0.6 - 0.1 * calls.length)
  if (calls.length === 0) return variation?.trouble === "clarification" ? 0.5 : 0.3
  let s = 1
  // Each call's signature, and the index of its latest copy.
  const seen = new Map<string, number>()
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!.call
    const validate = validators.get(call.function.name)
    if (validate === undefined) s -= 0.5
    else if (!validate(call.function.arguments)) s -= 0.35
    if (findPlaceholder(call.function.arguments) !== undefined) s -= 0.45
    const generic = stringLeaves(call.function.arguments).filter((v) => v.trim() === "" || GENERIC_VALUES.has(v.trim().toLowerCase()))
    s -= 0.1 * Math.min(2, generic.length)
    const signature = signatureAt(trace, i)
    // The same call again after its latest copy came back with an error or nothing is a retry (perhaps
    // after a look at the provider's status), not a pointless repeat.
    const latest = seen.get(signature)
    if (latest !== undefined) {
      const result = calls[latest]!.result
      if (result === undefined || !isErrorOrEmpty(result.content)) s -= 0.4
    }
    seen.set(signature, i)
  }
  if (variation?.kind === "chained" && chainLinks(trace).length === 0) s -= 0.2
  return clamp(s)
}

/** `reasoning`: calls explained in words, a plan before acting, explanations that name what is done. */
const reasoning = (trace: Trace): number => {
  const toolTurns = [...new Set(trace.calls.map((c) => c.turn))]
  if (toolTurns.length === 0) {
    const answer = trace.finalAnswer ?? ""
    const sentences = answer.split(/[.!?](?:\s|$)/).filter((x) => x.trim().length > 10).length
    // "so" counts as a link where it joins clauses ("Marek paid 100, so he owes 109"; "So each pays 209"),
    // not in "so far" or "I think so".
    const because = /\b(because|since|so that|therefore|thus|hence|which means|as a result|this is why)\b/i.test(answer) ||
      /(?:,\s*|(?:^|[.!?]\s+))so\b(?!\s+far\b)/im.test(answer)
    return clamp(0.5 + (sentences >= 2 ? 0.25 : 0) + (because ? 0.25 : 0))
  }
  const explained = explainedToolTurns(trace) / toolTurns.length
  const firstCall = trace.calls[0]!.turn
  const planned = trace.turns.slice(0, firstCall + 1).some((t) => t.role === "assistant" && t.content.trim().length >= 25)
  // Does the explanation talk about what the turn does (its tool, or a word from its arguments)?
  const relevant = toolTurns.filter((i) => {
    const turn = trace.turns[i]!
    // Plurals as their singular, as for completeness: "the contact ids" names a query of `contacts`.
    const said = stems(words(turn.content))
    return trace.calls.some((c, k) => {
      if (c.turn !== i) return false
      const mentioned = (about: Set<string>) => {
        for (const w of about) if (said.has(stem(w))) return true
        return false
      }
      return mentioned(words(c.call.function.name.replace(/_/g, " "))) || mentioned(words(argumentText(trace, k)))
    })
  }).length / toolTurns.length
  return clamp(0.5 * explained + 0.3 * (planned ? 1 : 0) + 0.2 * relevant)
}

/** Half a unit of the figure's last written digit: `16.5` may stand for 16.52, `1980` for 1979.6. */
const tolerance = (figure: string): number => {
  const point = figure.indexOf(".")
  if (point < 0) return 0.5 + 1e-9
  const next = figure.indexOf(".", point + 1)
  return 0.5 * 10 ** -((next < 0 ? figure.length : next) - point - 1) + 1e-9
}

/** Above this many known numbers, implicit one-step derivations are no evidence (see ungroundedFigures). */
const MAX_NUMBERS_FOR_ONE_STEP = 60
/** Figures of one answer checked at most: a table of thousands of rows is not re-derived cell by cell. */
const MAX_FIGURES_CHECKED = 200

/** An operand as written in arithmetic: a figure, with a currency sign, unit words or parentheses around it. */
// Each space belongs to one part only (parentheses take theirs, the operators theirs), and a figure
// starts only where a number does: the expression cannot backtrack its way into exponential time.
// The currency sign may follow the figure, as French and German put it (`165 €`).
const OPERAND = String.raw`(?:\(\s*)*[€$£]?(?<![\d,.])\d[\d,]*(?:\.\d+)?(?:\s?[€$£])?${UNIT_WORDS}(?:\s*\))*`
/**
 * Arithmetic written out: two or more operands joined by + − × ÷ (and their ASCII forms), then `=` or
 * "is / comes to / gives / makes" and the result (`612 + 1,045 + 388 = 2,045`, `(120 − 15) × 4 = 420`).
 */
const EXPRESSION = new RegExp(
  String.raw`(${OPERAND}(?:\s*[×x*/÷+\-−–]\s*${OPERAND})+)\s*(?:=|is|are|comes to|gives|makes)\s*[€$£]?(\d[\d,]*(?:\.\d+)?)`,
  "g"
)

/**
 * The value of written arithmetic (figures, + − × ÷ and parentheses, the usual precedence), or
 * undefined when it is not only that.
 */
export const evaluate = (expression: string): number | undefined => {
  const tokens = expression.replace(/[€$£]/g, "").match(/\d[\d,]*(?:\.\d+)?|[×x*/÷+\-−–()]|\S/g) ?? []
  let at = 0
  const peek = () => tokens[at]
  const primary = (): number | undefined => {
    const token = tokens[at++]
    if (token === undefined) return undefined
    if (token === "(") {
      const value = sum()
      return tokens[at++] === ")" ? value : undefined
    }
    return /^\d/.test(token) ? numberValue(token) : undefined
  }
  const product = (): number | undefined => {
    let value = primary()
    while (value !== undefined && peek() !== undefined && "×x*/÷".includes(peek()!)) {
      const op = tokens[at++]!
      const right = primary()
      if (right === undefined) return undefined
      value = op === "/" || op === "÷" ? value / right : value * right
    }
    return value
  }
  const sum = (): number | undefined => {
    let value = product()
    while (value !== undefined && peek() !== undefined && "+-−–".includes(peek()!)) {
      const op = tokens[at++]!
      const right = product()
      if (right === undefined) return undefined
      value = op === "+" ? value + right : value - right
    }
    return value
  }
  const value = sum()
  return at === tokens.length && value !== undefined && Number.isFinite(value) ? value : undefined
}

/**
 * Whether each figure the answer states is grounded: stated by a source (user turns, tool results, the
 * calls' arguments); or the result of arithmetic written out in the assistant's words and correct
 * (`12 × €165 = €1,980`); or, for a plain figure, one step (sum, difference, product, ratio) from known
 * numbers; or, for a percentage, a ratio or change of two numbers on the same line (a table row). An
 * answer may compute; it may not invent.
 */
/**
 * Thousands written in groups with a space (`1 980 €`, `48 210`; French, SI, also with the no-break
 * spaces French typography uses): the first group of one to three digits, then groups of three.
 */
const SPACED_GROUPS = /(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)/g
const hasSpacedGroup = (text: string) => /\d[ \u00a0\u202f]\d{3}/.test(text)
const joinGroup = (group: string) => group.replace(/[ \u00a0\u202f]/g, "")
const joinSpacedGroups = (text: string) => text.replace(SPACED_GROUPS, joinGroup)

const ungroundedFigures = (trace: Trace, answer: string): number => {
  // Every number of the sources (a number never spans two of them, so each is read alone), and those
  // written in spaced groups read whole as well.
  const known = new Set<number>()
  for (const t of trace.turns) {
    if (t.role !== "tool" && t.role !== "user") continue
    for (const n of allNumberValues(t.content)) known.add(n)
    if (hasSpacedGroup(t.content)) for (const n of allNumberValues(joinSpacedGroups(t.content))) known.add(n)
  }
  for (let k = 0; k < trace.calls.length; k++) for (const n of allNumberValues(argumentText(trace, k))) known.add(n)
  const written = trace.turns.filter((t) => t.role === "assistant").map((t) => t.content).join("\n")
  const assistantText = hasSpacedGroup(written) ? joinSpacedGroups(written) : written
  for (const m of assistantText.matchAll(EXPRESSION)) {
    // The match may open inside a longer expression (`a + b + c = d` read from `b`): try each start.
    // Unit words go; an `x` between figures is a times sign.
    const terms = m[1]!.replace(/[A-Za-z]+/g, (word) => (word === "x" ? word : " "))
    const result = numberValue(m[2]!)
    const tol = tolerance(normaliseNumber(m[2]!))
    for (let from = 0; from < terms.length; from++) {
      if (from > 0 && !/[\s(]/.test(terms[from - 1]!)) continue
      const value = evaluate(terms.slice(from))
      if (value !== undefined && Math.abs(value - result) <= tol) {
        known.add(result)
        break
      }
    }
  }
  const numbers = [...known].sort((x, y) => x - y)
  // With many numbers around, pairwise sums and products cover almost any value: derivations then
  // count only when written out (above) or, for percentages, from the same line.
  const oneStep = numbers.length <= MAX_NUMBERS_FOR_ONE_STEP
  const stated = (x: number, tol: number) => {
    let lo = 0
    let hi = numbers.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (numbers[mid]! < x - tol) lo = mid + 1
      else hi = mid
    }
    return lo < numbers.length && numbers[lo]! <= x + tol
  }
  let ungrounded = 0
  let checked = 0
  for (const raw of answer.split("\n")) {
    // A spaced group reads as one number where that number is known (`1 980 €` after `12 × 165 € = 1 980 €`).
    const line = hasSpacedGroup(raw)
      ? raw.replace(SPACED_GROUPS, (group) => {
        const joined = joinGroup(group)
        return stated(Number(joined), 0.5) ? joined : group
      })
      : raw
    let lineNumbers: Array<number> | undefined
    // Figures with a scale (`48.2k`, `3.51 million`): each stands for its value, its tolerance scaled.
    let scales: ReadonlyMap<string, number> | undefined
    eachFigure(line, (text, informative) => {
      if (!informative || ++checked > MAX_FIGURES_CHECKED) return
      const figure = normaliseNumber(text)
      const value = Number(figure)
      const tol = tolerance(figure)
      const close = (x: number) => Math.abs(x - value) <= tol
      // Sources are read without signs, and a change is often signed in the answer (`-6.95%`) only.
      if (stated(value, tol) || (value < 0 && stated(-value, tol))) return
      scales ??= new Map(scaledFigures(line).map((f) => [f.raw, f.scale] as const))
      const scale = scales.get(text)
      if (scale !== undefined && stated(value * scale, tol * scale)) return
      const percent = text.endsWith("%")
      // A share given as a fraction (`"share": 0.0464`) and restated as a percentage (4.64%).
      if (percent && stated(value / 100, tol / 100)) return
      const operands = percent ? (lineNumbers ??= allNumberValues(line).slice(0, 40)) : oneStep ? numbers : []
      let found = false
      for (const a of operands) {
        for (const b of operands) {
          // A change's sign is often in words ("fell 7.3%"): either sign counts.
          if (percent) found = b !== 0 && (close((a / b) * 100) || close(((a - b) / b) * 100) || close(((b - a) / b) * 100))
          else found = close(a + b) || close(a - b) || close(a * b) || (b !== 0 && close(a / b))
          if (found) break
        }
        if (found) break
      }
      if (!found) ungrounded++
    })
    if (checked > MAX_FIGURES_CHECKED) break
  }
  return ungrounded
}

/** Words without a plural ending, so "usernames" meets "username" and "queries" meets "query". */
const stem = (word: string): string =>
  word.length > 4 && word.endsWith("ies") ? `${word.slice(0, -3)}y` : word.length > 4 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word
const stems = (set: ReadonlySet<string>): Set<string> => {
  const out = new Set<string>()
  for (const word of set) out.add(stem(word))
  return out
}

/** `completeness`: an answer that addresses the request and whose figures come from the results. */
const completeness = (trace: Trace): number => {
  const answer = trace.finalAnswer
  if (answer === undefined) return 0.1
  let s = answer.trim().length >= 40 ? 1 : 0.6
  s -= Math.min(0.7, 0.35 * ungroundedFigures(trace, answer))
  const asked = stems(words(trace.turns.find((t) => t.role === "user")?.content ?? ""))
  const said = stems(words(answer))
  const overlap = asked.size === 0 ? 1 : [...asked].filter((w) => said.has(w)).length / Math.min(asked.size, 8)
  if (overlap < 0.15) s -= 0.2
  return clamp(s)
}

/** `naturalness`: a plausible user, no boilerplate or self-reference, sensible lengths, no repetition. */
const naturalness = (trace: Trace): number => {
  let s = 1
  const assistant = trace.turns.filter((t) => t.role === "assistant").map((t) => t.content)
  const all = assistant.join("\n")
  if (ANY_BOILERPLATE.test(all)) for (const pattern of BOILERPLATE) if (pattern.test(all)) s -= 0.25
  const sentences: Array<string> = []
  for (const text of assistant) {
    for (const piece of text.split(/(?<=[.!?])\s+/)) {
      const sentence = piece.trim().toLowerCase()
      if (sentence.length > 20) sentences.push(sentence)
    }
  }
  s -= 0.15 * Math.min(3, sentences.length - new Set(sentences).size)
  const opening = trace.turns.find((t) => t.role === "user")?.content ?? ""
  if (opening.trim().length < 15 || opening.length > 2000) s -= 0.2
  if (assistant.some((t) => t.length > 3000)) s -= 0.15
  return clamp(s)
}

/** The five sub-scores and their weighted mean. */
export const scoreConversation = (
  trace: Trace,
  validators: ReadonlyMap<string, ValidateFunction>,
  variation: Variation | undefined,
  weights: Weights
): { readonly quality: QualityScores; readonly quality_score: number } => {
  const quality: QualityScores = {
    structure: round(structure(trace)),
    tool_use: round(toolUse(trace, validators, variation)),
    reasoning: round(reasoning(trace)),
    completeness: round(completeness(trace)),
    naturalness: round(naturalness(trace))
  }
  return { quality, quality_score: weightedScore(quality, weights) }
}

/** The weighted mean of the five dimensions, rounded to three decimals. */
export const weightedScore = (quality: QualityScores, weights: Weights): number => {
  const total = weights.structure + weights.tool_use + weights.reasoning + weights.completeness + weights.naturalness
  const score = (quality.structure * weights.structure + quality.tool_use * weights.tool_use + quality.reasoning * weights.reasoning +
    quality.completeness * weights.completeness + quality.naturalness * weights.naturalness) / (total === 0 ? 1 : total)
  return round(score)
}
