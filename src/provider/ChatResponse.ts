import { Schema } from "effect"

const WireToolCall = Schema.Struct({
  id: Schema.optional(Schema.NullOr(Schema.String)),
  type: Schema.optional(Schema.NullOr(Schema.String)),
  function: Schema.Struct({
    name: Schema.String,
    /** A JSON string on the wire; some local servers send an object. */
    arguments: Schema.optional(Schema.NullOr(Schema.Unknown))
  })
})

export const ChatResponse = Schema.Struct({
  id: Schema.optional(Schema.NullOr(Schema.String)),
  model: Schema.optional(Schema.NullOr(Schema.String)),
  choices: Schema.NonEmptyArray(
    Schema.Struct({
      index: Schema.optional(Schema.Number),
      message: Schema.Struct({
        role: Schema.optional(Schema.NullOr(Schema.String)),
        content: Schema.optional(Schema.NullOr(Schema.String)),
        tool_calls: Schema.optional(Schema.NullOr(Schema.Array(WireToolCall))),
        /** Reasoning models (gpt-oss on Groq) put their thinking here. */
        reasoning: Schema.optional(Schema.NullOr(Schema.String))
      }),
      finish_reason: Schema.optional(Schema.NullOr(Schema.String))
    })
  ),
  usage: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        prompt_tokens: Schema.Number,
        completion_tokens: Schema.Number,
        total_tokens: Schema.optional(Schema.Number)
      })
    )
  )
})
export interface ChatResponse extends Schema.Schema.Type<typeof ChatResponse> {}

/** A finished completion and where it came from. */
export interface Completion {
  readonly provider: string
  readonly model: string
  readonly response: ChatResponse
  /** The first choice's text ("" when the model only called tools). */
  readonly content: string
  readonly finishReason: string | undefined
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number }
  /** How many sends this took (retries included). */
  readonly attempts: number
}
