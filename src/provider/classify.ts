import { ProviderError } from "../domain/ProviderError.js"
import type { ErrorBody } from "./errorBody.js"
import { parseGoDuration } from "./goDuration.js"
import type { ProviderProfile } from "./profiles.js"

/** What the error line may name: the provider and the variable holding its key (never the key). */
export interface ErrorContext {
  readonly provider: string
  readonly profile: ProviderProfile
  readonly model: string
  readonly keyVar: string | undefined
}

const DAILY = /per day|\((RPD|TPD)\)|daily/i
const TRY_AGAIN = /try again in\s+([0-9hms.µu\s]+?)(?:\.\s|\.$|$|\s[A-Z])/i

/** Groq's "Please try again in 6m54.72s." as ms. */
export const tryAgainMs = (message: string): number | undefined => {
  const match = TRY_AGAIN.exec(message)
  return match === null ? undefined : parseGoDuration(match[1]!.trim())
}

/**
 * A refusal because the prompt and `max_tokens` do not fit the model's context, as servers word it:
 * OpenAI, Groq and vLLM ("maximum context length is 8192 tokens"), llama.cpp ("exceeds the available
 * context size", `exceed_context_size_error`), TGI and Together ("`inputs` tokens + `max_new_tokens`
 * must be <= 8193").
 */
const CONTEXT_OVERFLOW =
  /maximum context length|maximum model length|context[_ ]length[_ ]exceeded|exceeds? the (?:available |maximum )?context|context (?:size|window) (?:has been )?(?:exceeded|is too small)|`?inputs`? tokens \+ `?max_new_tokens`?|reduce the length of the messages/i
export const CONTEXT_CODES = new Set(["context_length_exceeded", "exceed_context_size_error"])
/** The code every context refusal gets, whichever the server sent. */
export const CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"
/**
 * The code of a request refused for its size against a per-request ceiling that is not the context:
 * Groq's 413 "Request too large ... on tokens per minute (TPM): Limit 8000, Requested 9457" (the prompt
 * and `max_tokens` together must fit the minute's budget).
 */
export const REQUEST_TOO_LARGE = "request_too_large"
/** Refusals of a request's size: the limiter counts them, and drops a provider that served none. */
export const OVERSIZED_CODES: ReadonlySet<string> = new Set([CONTEXT_LENGTH_EXCEEDED, REQUEST_TOO_LARGE])

const contextError = (context: ErrorContext, base: { provider: string; status: number }, status: number, said: string) =>
  new ProviderError({
    ...base,
    reason: "BadRequest",
    code: CONTEXT_LENGTH_EXCEEDED,
    message: `${context.provider} cannot fit the prompt and generation.max_tokens into ${context.model}'s context (${status}: ${said}); ` +
      `lower generation.max_tokens or use a model (or server setting) with a longer context`
  })

const isContextRefusal = (body: ErrorBody) =>
  CONTEXT_OVERFLOW.test(body.message) || CONTEXT_CODES.has(body.code ?? "") || CONTEXT_CODES.has(body.type ?? "")

/**
 * A refusal because the model is not served: a 404, or a 400 that says so (Groq's
 * `model_decommissioned` after a retirement and `model_not_found`, the Hugging Face router's "not
 * supported by any provider you have enabled"). Every request to that provider would fail the same way.
 */
const MODEL_GONE_CODES = new Set(["model_not_found", "model_decommissioned", "model_not_supported"])
const MODEL_GONE = /\bmodel\s+[`'"]?[\w./:@-]+[`'"]?\s+(?:has been decommissioned|does not exist|is not supported by any provider|is not available)/i
/** The code every such refusal gets: the limiter drops the provider, the pool moves the request. */
export const MODEL_NOT_SERVED = "model_not_found"

const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 297)}...` : text)

/** Turns a non-2xx answer into a typed error with a message a person can act on. */
export const classifyHttpError = (
  context: ErrorContext,
  status: number,
  body: ErrorBody,
  retryAfterMs: number | undefined
): ProviderError => {
  const { provider } = context
  const said = clip(body.message)
  const base = { provider, status, ...(body.code === undefined ? {} : { code: body.code }) }
  const keyHint = context.keyVar === undefined ? "set its key variable" : `check ${context.keyVar}`
  if (status === 401 || (status === 403 && provider !== "together")) {
    return new ProviderError({ ...base, reason: "Unauthorized", message: `${provider} refused the key (${status}: ${said}); ${keyHint}` })
  }
  if (status === 402) {
    return new ProviderError({
      ...base,
      reason: "QuotaExhausted",
      message: `${provider} has no credits left (402: ${said}); add credits or use another provider`
    })
  }
  if (status === 429) {
    if (DAILY.test(body.message)) {
      const reset = tryAgainMs(body.message) ?? retryAfterMs
      return new ProviderError({
        ...base,
        reason: "QuotaExhausted",
        ...(reset === undefined ? {} : { retryAfterMs: reset }),
        message: `${provider} daily quota for ${context.model} is used up (429: ${said})`
      })
    }
    const wait = retryAfterMs ?? tryAgainMs(body.message)
    return new ProviderError({
      ...base,
      reason: "RateLimited",
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
      message: `${provider} rate limit reached (429: ${said})`
    })
  }
  // A server that says when to come back (a 503 in a burst, maintenance, a model still loading) is
  // believed, as the SDKs do.
  const wait = retryAfterMs ?? body.estimatedMs
  const comeBack = wait === undefined ? {} : { retryAfterMs: wait }
  if (status === 408) return new ProviderError({ ...base, ...comeBack, reason: "Timeout", message: `${provider} timed out (408: ${said})` })
  if (status === 404) {
    return new ProviderError({
      ...base,
      reason: "BadRequest",
      code: MODEL_NOT_SERVED,
      message: `${provider} answered 404 for model ${context.model} (${said}); check the model name and base URL`
    })
  }
  if ((status === 400 || status === 422) && (MODEL_GONE_CODES.has(body.code ?? "") || MODEL_GONE.test(body.message))) {
    return new ProviderError({
      ...base,
      reason: "BadRequest",
      code: MODEL_NOT_SERVED,
      message: `${provider} does not serve model ${context.model} (${status}: ${said}); set providers.${provider}.model to one it lists (GET /models)`
    })
  }
  if (status >= 400 && status < 500 && status !== 409 && status !== 424 && status !== 498 && status !== 499) {
    // One code for every wording: the limiter counts these refusals (see CONTEXT_REFUSALS_TO_DROP).
    if (isContextRefusal(body)) return contextError(context, base, status, said)
    if (status === 413 || /request (?:entity )?too large/i.test(body.message)) {
      return new ProviderError({
        ...base,
        reason: "BadRequest",
        code: REQUEST_TOO_LARGE,
        message: `${provider} refuses requests this large for ${context.model} (${status}: ${said}); ` +
          `lower generation.max_tokens (the prompt and max_tokens count against its per-minute token limit) or use a model with a higher limit`
      })
    }
    return new ProviderError({ ...base, reason: "BadRequest", message: `${provider} refused the request (${status}: ${said})` })
  }
  // llama.cpp has sent its context refusal as a 500: no retry makes it fit.
  if (status >= 500 && isContextRefusal(body)) return contextError(context, base, status, said)
  return new ProviderError({ ...base, ...comeBack, reason: "Unavailable", message: `${provider} is unavailable (${status}: ${said})` })
}
