/**
 * Scoring + dedup throughput and memory: the quality stage's judge over N generated conversations
 * (produced on the fly, so the harness itself holds nothing), reporting conversations/s and peak RSS.
 */
import { Effect } from "effect"
import { BUILTIN_CATALOG_DIR } from "../src/catalog/loadCatalog.js"
import { DEFAULT_CONFIG } from "../src/config/defaults.js"
import type { Conversation } from "../src/domain/Conversation.js"
import { makeJudge } from "../src/quality/Scorer.js"
import { loadFrom } from "../test/support/catalogFixtures.js"

const CITIES = ["Lisbon", "Austin", "Osaka", "Leeds", "Porto", "Lyon", "Graz", "Turin", "Cork", "Oslo"]
const METRICS = ["revenue", "units", "refunds", "churn", "latency", "tickets", "signups", "returns"]

/** The i-th conversation: realistic length and shape, distinct words, a few near-copies on purpose. */
export const syntheticConversation = (i: number): Conversation => {
  const n = i % 50 === 49 ? i - 1 : i // every 50th is a near-copy of the one before
  const city = CITIES[n % CITIES.length]!
  const metric = METRICS[(n >> 3) % METRICS.length]!
  const file = `reports/${2020 + (n % 5)}/${city.toLowerCase()}_${metric}_${n}.csv`
  const total = 1000 + ((n * 7919) % 90000)
  return {
    id: `data_analysis/bench-${i}/v1/s0`,
    conversation_type: "synthetic_data_analysis",
    scenario: { type: "data_analysis", id: "checkout-funnel-analysis", variation: 1, title: "bench" },
    tools: [],
    turns: [
      { role: "user", content: `Could you total the ${metric} for ${city} in ${file}? Account ${n * 31} needs it before the ${n % 28 + 1}th review${i !== n ? " please" : ""}.` },
      { role: "assistant", content: `I'll aggregate ${metric} in ${file} by month first, then check the total against the ledger for account ${n * 31}.`, tool_calls: [{ id: "call_1", type: "function", function: { name: "data_processor", arguments: { file_path: file, operation: "aggregate", group_by: ["month"] } } }] },
      { role: "tool", tool_call_id: "call_1", name: "data_processor", content: JSON.stringify({ rows: 12, total, top_month: `2024-${String((n % 12) + 1).padStart(2, "0")}` }) },
      { role: "assistant", content: `Let me verify the total with a second calculation on ${total}.`, tool_calls: [{ id: "call_2", type: "function", function: { name: "calculator", arguments: { expression: `${total} / 12` } } }] },
      { role: "tool", tool_call_id: "call_2", name: "calculator", content: String(Math.round((total / 12) * 100) / 100) },
      { role: "assistant", content: `${city}'s ${metric} came to ${total} across 12 months in ${file}, about ${Math.round((total / 12) * 100) / 100} a month.` }
    ],
    provenance: { provider: "bench", model: "bench", seed: n, sample: 0, prompt_version: "1", run_id: "bench", created_at: "2026-11-26T00:00:00Z", usage: { prompt_tokens: 0, completion_tokens: 0 } }
  }
}

export interface QualityResult {
  readonly conversations: number
  readonly seconds: number
  readonly perSecond: number
  readonly peakRssMb: number
  readonly duplicates: number
  readonly belowThreshold: number
}

export const runQualityBench = async (count: number): Promise<QualityResult> => {
  const catalog = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))
  const { judge } = makeJudge(DEFAULT_CONFIG.quality, catalog)
  let peak = process.memoryUsage().rss
  let duplicates = 0
  let below = 0
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const { rejection } = judge(syntheticConversation(i))
    if (rejection?.reason === "Duplicate") duplicates++
    if (rejection?.reason === "BelowThreshold") below++
    if ((i & 1023) === 0) peak = Math.max(peak, process.memoryUsage().rss)
  }
  const seconds = (performance.now() - started) / 1000
  peak = Math.max(peak, process.memoryUsage().rss)
  return { conversations: count, seconds, perSecond: count / seconds, peakRssMb: peak / 2 ** 20, duplicates, belowThreshold: below }
}
