import type { Complexity } from "../domain/Conversation.js"
import { chainLinks, recoveries } from "./patterns.js"
import type { Trace } from "./trace.js"

export interface ComplexityFeatures {
  readonly turns: number
  readonly calls: number
  readonly distinctTools: number
  /** Calls in the longest chain of results feeding later calls. */
  readonly chainDepth: number
  readonly recoveries: number
}

export const complexityFeatures = (trace: Trace): ComplexityFeatures => {
  const links = chainLinks(trace)
  const depth = new Array<number>(trace.calls.length).fill(1)
  for (const { from, to } of links) depth[to] = Math.max(depth[to]!, depth[from]! + 1)
  return {
    turns: trace.turns.length,
    calls: trace.calls.length,
    distinctTools: new Set(trace.calls.map((c) => c.call.function.name)).size,
    chainDepth: trace.calls.length === 0 ? 0 : Math.max(...depth),
    recoveries: recoveries(trace)
  }
}

/**
 * Points = calls + distinct tools + 2 × (chain depth − 1) + 2 × recoveries + 1 for ten turns or more;
 * `low` below `thresholds.medium`, `high` from `thresholds.high`.
 */
export const complexityPoints = (f: ComplexityFeatures): number =>
  f.calls + f.distinctTools + 2 * Math.max(0, f.chainDepth - 1) + 2 * f.recoveries + (f.turns >= 10 ? 1 : 0)

export const complexityOf = (f: ComplexityFeatures, thresholds: { readonly medium: number; readonly high: number }): Complexity => {
  const points = complexityPoints(f)
  return points >= thresholds.high ? "high" : points >= thresholds.medium ? "medium" : "low"
}
