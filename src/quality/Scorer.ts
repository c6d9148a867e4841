import { Context, Effect, Either, Layer } from "effect"
import type { Conversation } from "../domain/Conversation.js"
import type { Rejection } from "../domain/Outcome.js"

/**
 * The quality stage's hook in the pipeline: given a validated conversation, return it with its scores,
 * patterns and complexity, or the reason it is not kept (below threshold, a duplicate).
 */
export class Scorer extends Context.Tag("agentic-synth/Scorer")<Scorer, {
  readonly judge: (conversation: Conversation) => Effect.Effect<Either.Either<Conversation, Rejection>>
}>() {
  /** Keeps every validated conversation and adds no score: nothing claims a score it did not compute. */
  static readonly layerNone = Layer.succeed(Scorer, { judge: (conversation) => Effect.succeed(Either.right(conversation)) })
}
