import type { AgenticPattern } from "../domain/Conversation.js"
import { argumentText, atoms, isErrorOrEmpty, signatureAt, type Trace, type TracedCall, UNIT_WORDS } from "./trace.js"

const PLAN_WORDS = /\b(first(?:ly)?|second(?:ly)?|then|next|after that|afterwards|finally|lastly|plan|steps?|I(?:'| wi)ll|I shall|we'll|let me|going to|start by)\b/gi
const VERIFY_WORDS =
  /\b(verif(?:y|ies|ied|ying)|double[- ]check\w*|cross[- ]?check\w*|cross[- ]?referenc\w*|confirm(?:s|ed|ing)?|sanity[- ]check\w*|make sure|to be (?:safe|sure)|re-?check\w*|validat(?:e|es|ed|ing)|check(?:s|ing)? (?:that|whether|if|against))\b/i
/** A worked calculation, unit words allowed after its figures (`4 rooms × 3 nights × €165 = €1,980`). */
const DERIVATION = new RegExp(String.raw`(?<![\d,.])\d[\d,.]*${UNIT_WORDS}\s*[×x*/÷+\-−–]\s*[€$£]?\d[\d,.]*${UNIT_WORDS}\s*(?:=|is|are|comes to|gives)\s*[€$£]?\d`, "g")
/** A request for what is missing, put without a question mark ("Tell me which office you mean"). */
const ASKS_FOR = /\b(?:tell me|let me know)\b[^.!?\n]*\b(?:which|whether)\b|\b(?:please|could you|can you) (?:confirm|specify|clarify)\b/i

/** Typographic apostrophes as plain ones, so "I’ll" reads as "I'll". */
const plainQuotes = (text: string): string => (text.includes("\u2019") || text.includes("\u2018") ? text.replace(/[\u2018\u2019]/g, "'") : text)
const ENUMERATED = /(?:^|\n)\s*(?:\d+[.)]|[-*•])\s+\S/g

const text = (trace: Trace, index: number): string => {
  const turn = trace.turns[index]
  return turn !== undefined && turn.role !== "tool" ? plainQuotes(turn.content) : ""
}

/** Digit groups written with a space or a point (`12 500`, `2.480`) joined, so they read as one number. */
const joinDigitGroups = (text: string): string => text.replace(/(\d)[ \u00a0\u202f.](?=\d{3}(?!\d))/g, "$1")

type Links = ReadonlyArray<{ readonly from: number; readonly to: number }>

/**
 * Calls that use a value first seen in an earlier tool result (not given by the user, not used in an
 * earlier call): each is a link `from → to` of a chain.
 */
export const chainLinks = (trace: Trace): Links => {
  // Patterns, complexity and scores all read these: computed once per trace.
  const cached = trace.memo?.links
  if (cached !== undefined) return cached
  const links: Array<{ from: number; to: number }> = []
  const userValues = new Set<string>()
  const argValues = new Set<string>()
  const produced: Array<Set<string> | undefined> = []
  let userUpTo = -1
  trace.calls.forEach((traced, to) => {
    for (let i = userUpTo + 1; i < traced.turn; i++) {
      const turn = trace.turns[i]!
      // What the user or the system prompt gave is given, however its digits are grouped.
      if (turn.role === "user" || turn.role === "system") {
        for (const a of atoms(turn.content)) userValues.add(a)
        const joined = joinDigitGroups(turn.content)
        if (joined !== turn.content) for (const a of atoms(joined)) userValues.add(a)
      }
    }
    userUpTo = Math.max(userUpTo, traced.turn - 1)
    const values = atoms(argumentText(trace, to))
    for (let from = 0; from < to; from++) {
      const source = trace.calls[from]!
      if (source.result === undefined || source.result.turn >= traced.turn) continue
      const results = (produced[from] ??= atoms(source.result.content))
      let handedOn = false
      for (const v of values) {
        if (results.has(v) && !userValues.has(v) && !argValues.has(v)) {
          handedOn = true
          break
        }
      }
      if (handedOn) links.push({ from, to })
    }
    for (const v of values) argValues.add(v)
  })
  if (trace.memo !== undefined) trace.memo.links = links
  return links
}

/** Error or empty results followed by a later, different call: the assistant changed its approach. */
export const recoveries = (trace: Trace): number => {
  const cached = trace.memo?.recoveries
  if (cached !== undefined) return cached
  let count = 0
  trace.calls.forEach((failed, i) => {
    if (failed.result === undefined || !isErrorOrEmpty(failed.result.content)) return
    const resultTurn = failed.result.turn
    if (trace.calls.some((later, j) => later.turn > resultTurn && signatureAt(trace, j) !== signatureAt(trace, i))) count++
  })
  if (trace.memo !== undefined) trace.memo.recoveries = count
  return count
}

const toolTurns = (trace: Trace): ReadonlyArray<number> => [...new Set(trace.calls.map((c) => c.turn))]

/** Assistant turns that make calls and say why in words. */
export const explainedToolTurns = (trace: Trace): number => toolTurns(trace).filter((i) => text(trace, i).trim().length >= 25).length

const planBeforeActing = (trace: Trace): boolean => {
  const first = trace.calls[0]
  if (first === undefined) return false
  for (let i = 0; i <= first.turn; i++) {
    const turn = trace.turns[i]!
    if (turn.role !== "assistant") continue
    const content = text(trace, i)
    const words = content.match(PLAN_WORDS)?.length ?? 0
    if (content.trim().length >= 40 && (words >= 1 || (content.match(ENUMERATED)?.length ?? 0) >= 2)) return true
  }
  return false
}

const verifies = (trace: Trace, calls: ReadonlyArray<TracedCall>): boolean => {
  const firstResult = Math.min(...calls.flatMap((c) => (c.result === undefined ? [] : [c.result.turn])))
  return calls.some((c) => {
    if (c.turn <= firstResult) return false
    const said = text(trace, c.turn).match(VERIFY_WORDS)
    if (said === null) return false
    // "Let me confirm the booking" with a call to .../confirm names the action, not a check of it (a
    // tool named for checking, such as verify_payment, is a check).
    const stem = said[1]!.toLowerCase().replace(/[^a-z]/g, "").slice(0, 6)
    return !calls.some((d) => d.turn === c.turn && JSON.stringify(d.call.function.arguments).toLowerCase().includes(stem))
  })
}

/**
 * Whether an assistant turn asks the user something: a question mark outside links and code (the
 * full-width `？` of Chinese and Japanese, Arabic's `؟` and Spanish's opening `¿` too), or a request to
 * specify.
 */
const asksUser = (content: string): boolean => {
  const prose = content.includes("`") || content.includes("://") ? content.replace(/\bhttps?:\/\/\S+/g, " ").replace(/`[^`]*`/g, " ") : content
  return prose.includes("?") || QUESTION_MARKS.test(prose) || ASKS_FOR.test(prose)
}
const QUESTION_MARKS = /[\uff1f\u061f\u00bf]/

/**
 * The agentic patterns a conversation shows, each read from the trace's structure first and its
 * wording second (docs/quality.md has the rules):
 * - `tool_calling`: at least one call.
 * - `parallel_tool_calls`: one assistant turn makes two or more calls.
 * - `multi_tool_chaining`: a call's arguments use a value first produced by an earlier tool result.
 * - `error_recovery`: a tool result is an error or empty and a later, different call follows.
 * - `clarification`: an assistant turn without calls asks a question and the user answers it.
 * - `planning`: before the first call, the assistant states what it will do (40+ characters with plan
 *   wording or a list), and at least two calls follow.
 * - `step_by_step_reasoning`: two or more assistant turns that make calls explain them in words; without
 *   tools, an answer laid out in three or more enumerated steps (200+ characters).
 * - `self_verification`: after a first result, an assistant turn says it checks (verify, confirm,
 *   double-check...) and makes a call to do so.
 */
export const detectPatterns = (trace: Trace): ReadonlyArray<AgenticPattern> => {
  const found: Array<AgenticPattern> = []
  const { calls, turns } = trace
  if (calls.length > 0) found.push("tool_calling")
  if (chainLinks(trace).length > 0) found.push("multi_tool_chaining")
  const perTurn = new Map<number, number>()
  for (const c of calls) perTurn.set(c.turn, (perTurn.get(c.turn) ?? 0) + 1)
  if ([...perTurn.values()].some((n) => n >= 2)) found.push("parallel_tool_calls")
  const explained = explainedToolTurns(trace)
  const enumerated = turns.some((t) => t.role === "assistant" && (t.content.match(ENUMERATED)?.length ?? 0) >= 3 && t.content.length >= 200)
  // Without tools, the steps must be on the page: an enumerated walk-through, or two worked calculations.
  const derivations = turns.reduce((n, t) => n + (t.role === "assistant" ? t.content.match(DERIVATION)?.length ?? 0 : 0), 0)
  if (explained >= 2 || (calls.length === 0 && (enumerated || derivations >= 2))) found.push("step_by_step_reasoning")
  if (planBeforeActing(trace) && calls.length >= 2) found.push("planning")
  if (recoveries(trace) > 0) found.push("error_recovery")
  if (calls.length > 0 && verifies(trace, calls)) found.push("self_verification")
  const asks = turns.some((t, i) => t.role === "assistant" && (t.tool_calls?.length ?? 0) === 0 && turns[i + 1]?.role === "user" && asksUser(t.content))
  if (asks) found.push("clarification")
  return found
}
