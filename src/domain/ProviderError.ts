import { Schema } from "effect"

export const ProviderErrorReason = Schema.Literal(
  "Unauthorized",
  "RateLimited",
  "QuotaExhausted",
  "BadRequest",
  "Unavailable",
  "Timeout",
  "InvalidResponse"
)
export type ProviderErrorReason = typeof ProviderErrorReason.Type

/**
 * A call to an LLM provider failed. Only `RateLimited`, `Unavailable` and `Timeout` can succeed later;
 * the message never holds a key.
 */
export class ProviderError extends Schema.TaggedError<ProviderError>()("ProviderError", {
  provider: Schema.String,
  reason: ProviderErrorReason,
  status: Schema.optional(Schema.Number),
  retryAfterMs: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

export const isRetryable = (error: ProviderError): boolean =>
  error.reason === "RateLimited" || error.reason === "Unavailable" || error.reason === "Timeout"
