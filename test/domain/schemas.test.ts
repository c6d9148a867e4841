import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Conversation } from "../../src/domain/Conversation.js"
import { Outcome } from "../../src/domain/Outcome.js"
import { ProviderError, isRetryable } from "../../src/domain/ProviderError.js"
import { parseShard } from "../../src/domain/Shard.js"
import { ToolDefinition } from "../../src/domain/Tool.js"
import { Turn } from "../../src/domain/Turn.js"

/** The record of the foundation issue, as one line of dataset.jsonl. */
export const sampleRecord = {
  id: "tool_usage/sales-csv-analysis/v1/s0",
  conversation_type: "synthetic_tool_usage",
  scenario: { type: "tool_usage", id: "sales-csv-analysis", variation: 1, title: "Analyse quarterly sales CSV files" },
  tools: [{
    type: "function",
    function: {
      name: "data_processor",
      description: "Load a tabular data file and run an operation on it.",
      parameters: { type: "object", properties: { file_path: { type: "string" } }, required: ["file_path"] }
    }
  }],
  turns: [
    { role: "user", content: "Help me analyze sales data from multiple CSV files" },
    {
      role: "assistant",
      content: "I'll load the files first...",
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "data_processor", arguments: { file_path: "sales_q1.csv", operation: "summarize" } }
      }]
    },
    { role: "tool", tool_call_id: "call_1", name: "data_processor", content: "{\"rows\": 1240}" },
    { role: "assistant", content: "Q1 revenue was $48,210 across 1,240 orders." }
  ],
  agentic_patterns: ["tool_calling", "planning", "step_by_step_reasoning"],
  complexity: "high",
  quality_score: 0.85,
  quality: { structure: 0.9, tool_use: 0.8, reasoning: 0.85, completeness: 0.9, naturalness: 0.8 },
  provenance: {
    provider: "groq",
    model: "llama-3.3-70b-versatile",
    seed: 42,
    sample: 0,
    prompt_version: "1",
    run_id: "run-1",
    created_at: "2026-11-26T00:00:00.000Z",
    usage: { prompt_tokens: 812, completion_tokens: 655 }
  }
}

const roundTrip = <A, I>(schema: Schema.Schema<A, I>, value: unknown) => {
  const decoded = Schema.decodeUnknownSync(schema)(value, { onExcessProperty: "error" })
  const line = JSON.stringify(Schema.encodeSync(schema)(decoded))
  return { decoded, again: Schema.decodeUnknownSync(schema)(JSON.parse(line)) }
}

describe("domain schemas", () => {
  it("a dataset record survives decode → JSON line → decode unchanged", () => {
    const { again, decoded } = roundTrip(Conversation, sampleRecord)
    expect(decoded).toEqual(sampleRecord)
    expect(again).toEqual(decoded)
  })

  it("keeps tool-call arguments as a JSON object, not a string", () => {
    const broken = structuredClone(sampleRecord) as any
    broken.turns[1].tool_calls[0].function.arguments = "{\"file_path\":\"sales_q1.csv\"}"
    expect(Either.isLeft(Schema.decodeUnknownEither(Conversation)(broken))).toBe(true)
  })

  it("requires tool_call_id and name on tool turns", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(Turn)({ role: "tool", content: "x", name: "calculator" }))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Turn)({ role: "tool", content: "x", tool_call_id: "c1" }))).toBe(true)
    expect(Either.isRight(Schema.decodeUnknownEither(Turn)({ role: "tool", content: "x", tool_call_id: "c1", name: "calculator" })))
      .toBe(true)
  })

  it("refuses an unknown role, an empty call list and a score out of range", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(Turn)({ role: "function", content: "x" }))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Turn)({ role: "assistant", content: "", tool_calls: [] }))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Conversation)({ ...sampleRecord, quality_score: 1.2 }))).toBe(true)
  })

  it("a tool definition is in OpenAI's shape", () => {
    const tool = sampleRecord.tools[0]
    expect(roundTrip(ToolDefinition, tool).decoded).toEqual(tool)
    expect(Either.isLeft(Schema.decodeUnknownEither(ToolDefinition)({ ...tool, type: "retrieval" }))).toBe(true)
  })

  it("every outcome round-trips, a failure with its typed error", () => {
    const outcomes = [
      { _tag: "accepted", conversation: sampleRecord },
      {
        _tag: "rejected",
        id: "web_research/x/v2/s0",
        rejection: { reason: "BelowThreshold", message: "score 0.52 is below 0.7", score: 0.52 },
        raw: "{\"turns\": []}"
      },
      {
        _tag: "failed",
        id: "web_research/x/v3/s1",
        error: { _tag: "ProviderError", provider: "groq", reason: "Unavailable", status: 503, message: "groq answered 503" },
        attempts: 4
      }
    ]
    for (const outcome of outcomes) {
      const { again, decoded } = roundTrip(Outcome, outcome)
      expect(again).toEqual(decoded)
    }
    const failed = Schema.decodeUnknownSync(Outcome)(outcomes[2])
    expect(failed._tag === "failed" && failed.error instanceof ProviderError).toBe(true)
  })

  it("only rate limits, outages, time-outs and garbled bodies are retryable", () => {
    const error = (reason: ProviderError["reason"]) => new ProviderError({ provider: "groq", reason, message: "m" })
    expect(["RateLimited", "Unavailable", "Timeout", "InvalidResponse"].map((r) => isRetryable(error(r as ProviderError["reason"]))))
      .toEqual([true, true, true, true])
    expect(["Unauthorized", "BadRequest", "QuotaExhausted"].map((r) => isRetryable(error(r as ProviderError["reason"]))))
      .toEqual([false, false, false])
  })

  it("parses shards and refuses impossible ones", () => {
    expect(parseShard("2/4")).toEqual(Either.right({ index: 2, count: 4 }))
    expect(parseShard(" 1 / 1 ")).toEqual(Either.right({ index: 1, count: 1 }))
    expect(parseShard("3/2")).toEqual(Either.left(`expected i/n with 1 <= i <= n, got "3/2"`))
    expect(parseShard("0/3")).toEqual(Either.left(`expected i/n with 1 <= i <= n, got "0/3"`))
    expect(parseShard("1/0")).toEqual(Either.left(`expected i/n with 1 <= i <= n, got "1/0"`))
    expect(parseShard("half")).toEqual(Either.left(`expected i/n such as 1/4, got "half"`))
  })
})
