import { Schema } from "effect"
import { Conversation } from "./Conversation.js"
import { ProviderError } from "./ProviderError.js"

/** Why a conversation was not accepted: what the parser, the validator or the quality stage found. */
export const RejectionReason = Schema.Literal(
  // parsing
  "InvalidJson",
  "Truncated",
  "WrongShape",
  // validation
  "InvalidTurnOrder",
  "UnknownTool",
  "InvalidArguments",
  "UnansweredCall",
  "OrphanToolResult",
  "PlaceholderArgument",
  "NoFinalAnswer",
  // quality
  "BelowThreshold",
  "Duplicate",
  "OverQuota"
)
export type RejectionReason = typeof RejectionReason.Type

export const Rejection = Schema.Struct({
  reason: RejectionReason,
  message: Schema.String,
  /** The score, for `BelowThreshold`. */
  score: Schema.optional(Schema.Number),
  /** The id of the record this one copies, for `Duplicate`. */
  duplicate_of: Schema.optional(Schema.String)
}).annotations({ identifier: "Rejection" })
export interface Rejection extends Schema.Schema.Type<typeof Rejection> {}

export const Accepted = Schema.TaggedStruct("accepted", {
  conversation: Conversation
})

export const Rejected = Schema.TaggedStruct("rejected", {
  id: Schema.String,
  rejection: Rejection,
  /** Samples drawn before the item was given up. */
  attempts: Schema.optional(Schema.Int),
  provider: Schema.optional(Schema.String),
  model: Schema.optional(Schema.String),
  /** What the model said, so a later re-scoring needs no new call. */
  raw: Schema.optional(Schema.String),
  /** The complete conversation, for rejections made after validation (below threshold, duplicate). */
  conversation: Schema.optional(Conversation)
})

export const Failed = Schema.TaggedStruct("failed", {
  id: Schema.String,
  error: ProviderError,
  attempts: Schema.Int.pipe(Schema.positive())
})

/** What became of one work item. */
export const Outcome = Schema.Union(Accepted, Rejected, Failed).annotations({ identifier: "Outcome" })
export type Outcome = typeof Outcome.Type
