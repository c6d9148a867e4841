import { Schema } from "effect"
import { ScenarioRef } from "./Scenario.js"
import { ToolDefinition } from "./Tool.js"
import { Turn } from "./Turn.js"

export const AgenticPattern = Schema.Literal(
  "tool_calling",
  "multi_tool_chaining",
  "parallel_tool_calls",
  "step_by_step_reasoning",
  "planning",
  "error_recovery",
  "self_verification",
  "clarification"
)
export type AgenticPattern = typeof AgenticPattern.Type

export const Complexity = Schema.Literal("low", "medium", "high")
export type Complexity = typeof Complexity.Type

const UnitInterval = Schema.Number.pipe(Schema.between(0, 1))

/** The five quality dimensions, each a sub-score in [0, 1]. */
export const QualityScores = Schema.Struct({
  structure: UnitInterval,
  tool_use: UnitInterval,
  reasoning: UnitInterval,
  completeness: UnitInterval,
  naturalness: UnitInterval
}).annotations({ identifier: "QualityScores" })
export interface QualityScores extends Schema.Schema.Type<typeof QualityScores> {}

const JudgedDimension = Schema.Struct({ score: UnitInterval, rationale: Schema.String })

/** An LLM judge's view of the fuzzy dimensions, kept beside the rule-based scores. */
export const JudgeView = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  reasoning: JudgedDimension,
  completeness: JudgedDimension,
  naturalness: JudgedDimension
}).annotations({ identifier: "JudgeView" })
export interface JudgeView extends Schema.Schema.Type<typeof JudgeView> {}

export const Usage = Schema.Struct({
  prompt_tokens: Schema.NonNegativeInt,
  completion_tokens: Schema.NonNegativeInt
})
export interface Usage extends Schema.Schema.Type<typeof Usage> {}

/** Where a record came from: enough to reproduce or audit it. */
export const Provenance = Schema.Struct({
  provider: Schema.String,
  model: Schema.String,
  seed: Schema.NonNegativeInt,
  sample: Schema.NonNegativeInt,
  prompt_version: Schema.String,
  run_id: Schema.String,
  created_at: Schema.String,
  usage: Usage
}).annotations({ identifier: "Provenance" })
export interface Provenance extends Schema.Schema.Type<typeof Provenance> {}

/**
 * One line of `dataset.jsonl`. The quality fields are present when the quality stage computed them,
 * and absent otherwise: a record never claims a score nobody computed.
 */
export const Conversation = Schema.Struct({
  id: Schema.String,
  conversation_type: Schema.String,
  scenario: ScenarioRef,
  tools: Schema.Array(ToolDefinition),
  turns: Schema.NonEmptyArray(Turn),
  agentic_patterns: Schema.optional(Schema.Array(AgenticPattern)),
  complexity: Schema.optional(Complexity),
  quality_score: Schema.optional(UnitInterval),
  quality: Schema.optional(QualityScores),
  /** Present when `quality.judge` is on: the judge's scores and rationales (the rule-based ones stay in `quality`'s inputs). */
  quality_judge: Schema.optional(JudgeView),
  provenance: Provenance
}).annotations({ identifier: "Conversation" })
export interface Conversation extends Schema.Schema.Type<typeof Conversation> {}

export const conversationType = (scenarioType: string): string => `synthetic_${scenarioType}`
