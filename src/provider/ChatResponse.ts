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

const Usage = Schema.Struct({
  prompt_tokens: Schema.Number,
  completion_tokens: Schema.Number,
  total_tokens: Schema.optional(Schema.Number)
})

/** A token count as a number or a numeric string ("18"); anything else is no count. */
const count = (value: unknown): number | undefined => {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

/**
 * `usage` as servers send it: a well-formed one as is, counts as numeric strings read as numbers, and
 * one without both counts (`completion_tokens: null`, a string, an empty object) as none: the
 * completion itself is good, and a missing usage only means the limiter keeps its estimate.
 */
const LenientUsage = Schema.transform(Schema.Unknown, Schema.NullOr(Usage), {
  strict: true,
  decode: (raw) => {
    if (typeof raw !== "object" || raw === null) return null
    const usage = raw as Record<string, unknown>
    const prompt = count(usage["prompt_tokens"])
    const completion = count(usage["completion_tokens"])
    if (prompt === undefined || completion === undefined) return null
    const total = count(usage["total_tokens"])
    return { prompt_tokens: prompt, completion_tokens: completion, ...(total === undefined ? {} : { total_tokens: total }) }
  },
  encode: (usage) => usage
})

/**
 * `message.content` as a string, or as a list of parts (Mistral's reasoning models and some gateways:
 * `[{"type": "thinking", ...}, {"type": "text", "text": "..."}]`), read as its text parts joined: the
 * thinking and any other part are not the answer.
 */
const Content = Schema.transform(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.Unknown))), Schema.NullOr(Schema.String), {
  strict: true,
  decode: (raw) => {
    if (typeof raw === "string" || raw === null) return raw
    let text = ""
    for (const part of raw) {
      if (typeof part === "string") text += part
      else if (typeof part === "object" && part !== null) {
        const { type, text: value } = part as { type?: unknown; text?: unknown }
        if ((type === "text" || type === "output_text" || type === undefined) && typeof value === "string") text += value
      }
    }
    return text
  },
  encode: (content) => content
})

export const ChatResponse = Schema.Struct({
  id: Schema.optional(Schema.NullOr(Schema.String)),
  model: Schema.optional(Schema.NullOr(Schema.String)),
  choices: Schema.NonEmptyArray(
    Schema.Struct({
      index: Schema.optional(Schema.Number),
      message: Schema.Struct({
        role: Schema.optional(Schema.NullOr(Schema.String)),
        content: Schema.optional(Content),
        tool_calls: Schema.optional(Schema.NullOr(Schema.Array(WireToolCall))),
        /** Reasoning models put their thinking here: `reasoning` (Groq, OpenRouter), `reasoning_content` (vLLM, DeepSeek, llama.cpp). */
        reasoning: Schema.optional(Schema.NullOr(Schema.String)),
        reasoning_content: Schema.optional(Schema.NullOr(Schema.String))
      }),
      finish_reason: Schema.optional(Schema.NullOr(Schema.String))
    })
  ),
  usage: Schema.optional(LenientUsage)
})
export interface ChatResponse extends Schema.Schema.Type<typeof ChatResponse> {}

/** The thinking a reasoning model sent beside its answer, if any. */
export const reasoningOf = (message: ChatResponse["choices"][0]["message"]): string | undefined => {
  for (const text of [message.reasoning_content, message.reasoning]) if (typeof text === "string" && text.trim() !== "") return text
  return undefined
}

/** A finished completion and where it came from. */
export interface Completion {
  readonly provider: string
  readonly model: string
  readonly response: ChatResponse
  /** The first choice's text ("" when the model only called tools). */
  readonly content: string
  readonly finishReason: string | undefined
  /** A reasoning model's thinking, when it sent one apart from the content (never part of the data). */
  readonly reasoning?: string | undefined
  readonly usage: { readonly prompt_tokens: number; readonly completion_tokens: number }
  /** How many sends this took (retries included). */
  readonly attempts: number
}
