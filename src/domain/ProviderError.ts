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
  /** The provider's error code, e.g. Groq's `tool_use_failed`. */
  code: Schema.optional(Schema.String),
  /** When to try again: a 429's `retry-after`, or the time until an exhausted quota resets. */
  retryAfterMs: Schema.optional(Schema.Number),
  /** How many times the request was sent before this error was final. */
  attempts: Schema.optional(Schema.Number),
  message: Schema.String
}) {}

/**
 * Whether the same request may succeed if sent again. A cut or garbled body (`InvalidResponse`) is
 * nearly always a transport fault, so it is retried like an outage.
 */
export const isRetryable = (error: ProviderError): boolean =>
  error.reason === "RateLimited" || error.reason === "Unavailable" || error.reason === "Timeout" ||
  error.reason === "InvalidResponse"

/** Groq's 400s for a malformed call or invalid JSON the model produced: a failed sample to draw again. */
export const isBadSample = (error: ProviderError): boolean =>
  error.reason === "BadRequest" && (error.code === "tool_use_failed" || error.code === "json_validate_failed")

/**
 * `code` of the error a request gets when every provider is out for good (a wrong model, a context too
 * small, a refused key): every further request would fail the same way, so a run stops on it.
 */
export const NO_PROVIDER = "no_provider"
