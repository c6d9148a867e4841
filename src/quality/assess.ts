import type { ValidateFunction } from "ajv"
import { makeAjv } from "../catalog/toolSchemas.js"
import type { QualitySettings } from "../config/ConfigSchema.js"
import type { AgenticPattern, Complexity, Conversation, QualityScores } from "../domain/Conversation.js"
import type { Variation } from "../domain/Scenario.js"
import type { ToolDefinition } from "../domain/Tool.js"
import { complexityFeatures, complexityOf } from "./complexity.js"
import { detectPatterns } from "./patterns.js"
import { scoreConversation } from "./score.js"
import { type Trace, trace } from "./trace.js"

// No `effect` here: the review threads load this module (and what it imports) alone.

/** What the quality rules add to a conversation. */
export interface ReviewFields {
  readonly agentic_patterns: ReadonlyArray<AgenticPattern>
  readonly complexity: Complexity
  readonly quality_score: number
  readonly quality: QualityScores
}

/** The conversation with its review's fields, in the order every record has them. */
export const withReview = (conversation: Conversation, fields: ReviewFields): Conversation => ({
  ...conversation,
  agentic_patterns: fields.agentic_patterns,
  complexity: fields.complexity,
  quality_score: fields.quality_score,
  quality: fields.quality
})

/** What the rules read of the catalogue: tool definitions and compiled validators by name, the scenarios' variations. */
export interface CatalogView {
  readonly scenarios: ReadonlyArray<{ readonly type: string; readonly id: string; readonly variations: ReadonlyArray<Variation> }>
  readonly tools: { get(name: string): ToolDefinition | undefined }
  readonly validators: { get(name: string): ValidateFunction | undefined }
}

/** The part of a conversation the rules read. */
export type Reviewable = Pick<Conversation, "turns" | "tools" | "scenario">

/**
 * The rule-based review of one conversation (scores, patterns, complexity) with the trace it was read
 * from (for its dedup keys): nothing about the rest of the dataset.
 */
export const makeReviewer = (settings: QualitySettings, catalog: CatalogView | undefined) => {
  const ajv = makeAjv()
  const compiled = new Map<string, ValidateFunction>()
  // Records made in this process share the catalogue's tool objects: known by identity, no serialising.
  const byIdentity = new WeakMap<object, ValidateFunction | null>()
  const validatorFor = (tool: ToolDefinition): ValidateFunction | undefined => {
    const known = byIdentity.get(tool)
    if (known !== undefined) return known ?? undefined
    const validate = validatorByContent(tool)
    byIdentity.set(tool, validate ?? null)
    return validate
  }
  /** By content: the catalogue's own validator when the schema is unchanged, else one compiled once. */
  const validatorByContent = (tool: ToolDefinition): ValidateFunction | undefined => {
    const schema = JSON.stringify(tool.function.parameters)
    const key = `${tool.function.name}:${schema}`
    const cached = compiled.get(key)
    if (cached !== undefined) return cached
    let validate = catalog?.validators.get(tool.function.name)
    if (validate === undefined || JSON.stringify(catalog?.tools.get(tool.function.name)?.function.parameters) !== schema) {
      try {
        validate = ajv.compile(tool.function.parameters)
      } catch {
        validate = undefined
      }
    }
    if (validate !== undefined) compiled.set(key, validate)
    return validate
  }
  // A scenario's records share its array of tool definitions: their validators are looked up once.
  const byToolList = new WeakMap<object, ReadonlyMap<string, ValidateFunction>>()
  const validatorsFor = (tools: ReadonlyArray<ToolDefinition>): ReadonlyMap<string, ValidateFunction> => {
    const known = byToolList.get(tools)
    if (known !== undefined) return known
    const out = new Map<string, ValidateFunction>()
    for (const tool of tools) {
      const validate = validatorFor(tool)
      if (validate !== undefined) out.set(tool.function.name, validate)
    }
    byToolList.set(tools, out)
    return out
  }
  const variations = new Map<string, Variation>()
  for (const s of catalog?.scenarios ?? []) s.variations.forEach((v, i) => variations.set(`${s.type}/${s.id}/${i + 1}`, v))

  return (conversation: Reviewable): { readonly fields: ReviewFields; readonly trace: Trace } => {
    const t = trace(conversation.turns)
    const { scenario } = conversation
    const variation = variations.get(`${scenario.type}/${scenario.id}/${scenario.variation}`)
    const { quality, quality_score } = scoreConversation(t, validatorsFor(conversation.tools), variation, settings.weights)
    return {
      trace: t,
      fields: {
        agentic_patterns: detectPatterns(t),
        complexity: complexityOf(complexityFeatures(t), settings.complexity),
        quality_score,
        quality
      }
    }
  }
}
