import { Schema } from "effect"
import { ToolName } from "./Tool.js"

/** The eight scenario types the built-in catalogue covers; a catalogue file may add more. */
export const BUILTIN_SCENARIO_TYPES = [
  "tool_usage",
  "multi_step_reasoning",
  "error_handling",
  "code_debugging",
  "data_analysis",
  "web_research",
  "api_integration",
  "problem_solving"
] as const

export const ScenarioType = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*$/),
  Schema.annotations({ identifier: "ScenarioType", message: () => "expected a snake_case scenario type such as tool_usage" })
)
export type ScenarioType = typeof ScenarioType.Type

/** A scenario id: kebab-case, unique within its type. */
export const ScenarioId = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  Schema.annotations({ identifier: "ScenarioId", message: () => "expected a kebab-case id such as sales-csv-analysis" })
)

/**
 * What a variation is for: v1 straightforward, v2 several tools chained (one output feeds the next),
 * v3 trouble (a tool error, missing or ambiguous information, or a request that needs no tool).
 */
export const VariationKind = Schema.Literal("straightforward", "chained", "trouble")
export type VariationKind = typeof VariationKind.Type
export const VARIATION_KINDS: ReadonlyArray<VariationKind> = ["straightforward", "chained", "trouble"]

export const Trouble = Schema.Literal("tool_error", "clarification", "no_tool")
export type Trouble = typeof Trouble.Type

export const Variation = Schema.Struct({
  kind: VariationKind,
  /** Only on `trouble` variations: which kind of trouble. */
  trouble: Schema.optional(Trouble),
  /** The user's opening request, with concrete specifics. */
  request: Schema.NonEmptyString,
  /** What a good conversation does: the steps, the chain of values, the error and how it is handled. */
  expect: Schema.NonEmptyString
}).annotations({ identifier: "Variation" })
export interface Variation extends Schema.Schema.Type<typeof Variation> {}

export const Scenario = Schema.Struct({
  type: ScenarioType,
  id: ScenarioId,
  title: Schema.NonEmptyString,
  domain: Schema.NonEmptyString,
  /** The user's goal with realistic specifics: file names, figures, error messages, URLs. */
  goal: Schema.NonEmptyString,
  /** The catalogue tools offered to the model for this scenario. */
  tools: Schema.NonEmptyArray(ToolName),
  variations: Schema.Tuple(Variation, Variation, Variation)
}).annotations({ identifier: "Scenario" })
export interface Scenario extends Schema.Schema.Type<typeof Scenario> {}

/** The scenario as a dataset record names it. */
export const ScenarioRef = Schema.Struct({
  type: ScenarioType,
  id: ScenarioId,
  variation: Schema.Int.pipe(Schema.between(1, 3)),
  title: Schema.String
}).annotations({ identifier: "ScenarioRef" })
export interface ScenarioRef extends Schema.Schema.Type<typeof ScenarioRef> {}
