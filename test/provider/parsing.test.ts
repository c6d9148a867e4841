import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ChatResponse, reasoningOf } from "../../src/provider/ChatResponse.js"
import { classifyHttpError, tryAgainMs } from "../../src/provider/classify.js"
import { parseErrorBody } from "../../src/provider/errorBody.js"
import { parseGoDuration } from "../../src/provider/goDuration.js"
import { PROFILES } from "../../src/provider/profiles.js"
import { readRateLimits, retryAfterMs } from "../../src/provider/rateLimitHeaders.js"

describe("Go durations", () => {
  it.each([
    ["2m59.56s", 179_560],
    ["7.66s", 7_660],
    ["1h2m3s", 3_723_000],
    ["577.5ms", 577.5],
    ["6m0s", 360_000],
    ["6m 11.52s", 371_520],
    ["1h23m45.6s", 5_025_600],
    ["250us", 0.25],
    ["2", 2_000]
  ])("%s is %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6)
  })

  it.each(["", "soon", "5 minutes", "3x"])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined()
  })
})

describe("rate-limit headers", () => {
  it("Groq: requests per day, tokens per minute, Go-duration resets", () => {
    const info = readRateLimits("groq", {
      "x-ratelimit-limit-requests": "14400",
      "x-ratelimit-remaining-requests": "14370",
      "x-ratelimit-reset-requests": "2m59.56s",
      "x-ratelimit-limit-tokens": "18000",
      "x-ratelimit-remaining-tokens": "17997",
      "x-ratelimit-reset-tokens": "7.66s"
    })
    expect(info.requests).toEqual({ per: "day", limit: 14400, remaining: 14370, resetMs: 179_560 })
    expect(info.tokens).toEqual({ per: "minute", limit: 18000, remaining: 17997, resetMs: 7_660 })
    expect(info.retryAfterMs).toBeUndefined()
  })

  it("Together: per second, the dynamic values winning", () => {
    const info = readRateLimits("together", {
      "x-ratelimit-limit": "1",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "1",
      "x-ratelimit-limit-dynamic": "3",
      "x-ratelimit-remaining-dynamic": "2",
      "x-tokenlimit-limit": "2000",
      "x-tokenlimit-remaining": "1500"
    })
    expect(info.requests).toEqual({ per: "second", limit: 3, remaining: 2, resetMs: 1000 })
    expect(info.tokens).toEqual({ per: "second", limit: 2000, remaining: 1500, resetMs: undefined })
  })

  it("OpenAI-style: per minute", () => {
    const info = readRateLimits("openai", { "x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "499", "x-ratelimit-reset-requests": "120ms" })
    expect(info.requests).toEqual({ per: "minute", limit: 500, remaining: 499, resetMs: 120 })
    expect(info.tokens).toBeUndefined()
  })

  it("local servers send none", () => {
    expect(readRateLimits("none", { "content-type": "application/json" })).toEqual({ retryAfterMs: undefined })
  })

  it("retry-after in seconds, in ms, or as a date", () => {
    expect(retryAfterMs({ "retry-after": "2" })).toBe(2000)
    expect(retryAfterMs({ "retry-after-ms": "1500", "retry-after": "9" })).toBe(1500)
    const now = Date.parse("2026-11-26T10:00:00Z")
    expect(retryAfterMs({ "retry-after": "Thu, 26 Nov 2026 10:00:30 GMT" }, now)).toBe(30_000)
  })

  it("a wait of zero or less is no wait at all: absent, so the caller backs off itself", () => {
    const now = Date.parse("2026-11-26T10:00:00Z")
    for (const headers of [{ "retry-after": "0" }, { "retry-after": "-1" }, { "retry-after-ms": "0" }, { "retry-after": "Thu, 26 Nov 2026 09:59:00 GMT" }]) {
      expect(retryAfterMs(headers, now)).toBeUndefined()
    }
    // A useless ms figure does not hide a usable one in seconds.
    expect(retryAfterMs({ "retry-after-ms": "0", "retry-after": "5" }, now)).toBe(5000)
  })
})

describe("error bodies", () => {
  it.each([
    [`{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`, "Invalid API Key", "invalid_api_key"],
    [`{"error":"'response_format.type' must be 'json_schema' or 'text'"}`, "'response_format.type' must be 'json_schema' or 'text'", undefined],
    [`{"message":"Model is overloaded"}`, "Model is overloaded", undefined],
    [`{"detail":"Not Found"}`, "Not Found", undefined],
    [`{"detail":[{"loc":["body","messages"],"msg":"field required"}]}`, "body.messages: field required", undefined],
    [`<html><body>502 Bad Gateway</body></html>`, "<html><body>502 Bad Gateway</body></html>", undefined],
    ["", "(empty body)", undefined]
  ])("reads %s", (body, message, code) => {
    const parsed = parseErrorBody(body)
    expect(parsed.message).toBe(message)
    expect(parsed.code).toBe(code)
  })

  it("keeps Groq's failed_generation for diagnostics", () => {
    const parsed = parseErrorBody(`{"error":{"message":"Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.","type":"invalid_request_error","code":"tool_use_failed","failed_generation":"<function=calc>"}}`)
    expect(parsed.code).toBe("tool_use_failed")
    expect(parsed.failedGeneration).toBe("<function=calc>")
  })
})

describe("error classification", () => {
  const ctx = (provider: keyof typeof PROFILES) => ({ provider, profile: PROFILES[provider], model: "m", keyVar: provider === "groq" ? "GROQ_API_KEY" : "HF_TOKEN" })
  const groqTpd = "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_1` service tier on_demand on tokens per day (TPD): Limit 100000, Used 99996, Requested 484. Please try again in 6m54.72s. Visit https://console.groq.com/docs/rate-limits for more information."
  const groqTpm = "Rate limit reached for model `gemma2-9b-it` in organization `org_1` service tier on_demand on tokens per minute (TPM): Limit 15000, Used 11972, Requested 4351. Please try again in 5.289s. Visit https://console.groq.com/docs/rate-limits for more information."

  it("401 is Unauthorized and names the key variable", () => {
    const error = classifyHttpError(ctx("groq"), 401, { message: "Invalid API Key" }, undefined)
    expect(error.reason).toBe("Unauthorized")
    expect(error.message).toBe("groq refused the key (401: Invalid API Key); check GROQ_API_KEY")
  })

  it.each([
    ["vLLM", `{"object": "error", "message": "This model's maximum context length is 4096 tokens. However, you requested 4412 tokens (1412 in the messages, 3000 in the completion). Please reduce the length of the messages or completion.", "type": "BadRequestError", "param": null, "code": 400}`],
    ["OpenAI / Groq", `{"error": {"message": "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.", "type": "invalid_request_error", "code": "context_length_exceeded"}}`],
    ["llama.cpp", `{"error": {"code": 400, "message": "the request exceeds the available context size, try increasing it", "type": "exceed_context_size_error"}}`],
    ["TGI / Together", `{"error": "Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= 8193. Given: 1500 \`inputs\` tokens and 8000 \`max_new_tokens\`", "error_type": "validation"}`]
  ])("a context refusal (%s) is a BadRequest with one code and a remedy", (_, body) => {
    const error = classifyHttpError(ctx("groq"), 400, parseErrorBody(body), undefined)
    expect(error).toMatchObject({ reason: "BadRequest", code: "context_length_exceeded" })
    expect(error.message).toMatch(/^groq cannot fit the prompt and generation\.max_tokens into m's context \(400: .+\); lower generation\.max_tokens/)
  })

  it.each([
    ["llama.cpp's 500", 500, `{"error": {"code": 500, "message": "Context size has been exceeded.", "type": "server_error"}}`],
    ["vLLM's prompt longer than the model", 400, `{"object": "error", "message": "The decoder prompt (length 5000) is longer than the maximum model length of 4096. Make sure that \`max_model_len\` is no smaller than the number of text tokens.", "type": "BadRequestError", "code": 400}`]
  ])("a context refusal as %s is one too (never retried as a fault)", (_, status, body) => {
    expect(classifyHttpError(ctx("groq"), status, parseErrorBody(body), undefined)).toMatchObject({ reason: "BadRequest", code: "context_length_exceeded" })
  })

  it.each([
    ["Groq's retired model (400)", 400, `{"error": {"message": "The model \`llama-3.1-70b-versatile\` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.", "type": "invalid_request_error", "code": "model_decommissioned"}}`],
    ["Groq's unknown model (404)", 404, `{"error": {"message": "The model \`llama-3.3-70b-versatile\` does not exist or you do not have access to it.", "type": "invalid_request_error", "code": "model_not_found"}}`],
    ["the Hugging Face router's unserved model (400)", 400, `{"error": {"message": "The requested model 'meta-llama/Llama-3.3-70B-Instruct' is not supported by any provider you have enabled.", "type": "invalid_request_error", "code": "model_not_supported"}}`],
    ["a retirement worded without a code", 400, `{"error": {"message": "The model \`x\` has been decommissioned and is no longer supported."}}`]
  ])("%s: the model is not served, one code for all, and the message says which setting to change", (_, status, body) => {
    const error = classifyHttpError(ctx("groq"), status, parseErrorBody(body), undefined)
    expect(error).toMatchObject({ reason: "BadRequest", code: "model_not_found" })
    expect(error.message).toMatch(status === 404 ? /check the model name and base URL/ : /set providers\.groq\.model to one it lists/)
  })

  it.each([
    `{"error": {"message": "'messages.0' : property 'model_hint' is unsupported", "type": "invalid_request_error"}}`,
    `{"error": {"message": "Tool use with this model is not available on your current plan", "type": "invalid_request_error"}}`
  ])("a 400 about something else that mentions a model is not a retired model: %s", (body) => {
    expect(classifyHttpError(ctx("groq"), 400, parseErrorBody(body), undefined).code).toBeUndefined()
  })

  it("a FastAPI 422 names the field it refuses (from loc), so a refused reasoning_effort can be told", () => {
    const body = parseErrorBody(`{"detail": [{"loc": ["body", "reasoning_effort"], "msg": "Extra inputs are not permitted", "type": "extra_forbidden"}]}`)
    expect(body.message).toBe("body.reasoning_effort: Extra inputs are not permitted")
  })

  it("Groq's 413 for a request over the minute's token limit gets its own code and names max_tokens", () => {
    const body = `{"error": {"message": "Request too large for model \`openai/gpt-oss-120b\` in organization \`org_1\` service tier \`on_demand\` on tokens per minute (TPM): Limit 8000, Requested 9457, please reduce your message size and try again.", "type": "tokens", "code": "rate_limit_exceeded"}}`
    const error = classifyHttpError(ctx("groq"), 413, parseErrorBody(body), undefined)
    expect(error).toMatchObject({ reason: "BadRequest", code: "request_too_large" })
    expect(error.message).toMatch(/lower generation\.max_tokens/)
  })

  it("a model still loading says when to come back (Hugging Face's estimated_time)", () => {
    const body = `{"error": "Model mistralai/Mistral-7B-Instruct-v0.3 is currently loading", "estimated_time": 132.5}`
    expect(classifyHttpError(ctx("huggingface"), 503, parseErrorBody(body), undefined)).toMatchObject({ reason: "Unavailable", retryAfterMs: 132_500 })
    // The header wins where both are sent.
    expect(classifyHttpError(ctx("huggingface"), 503, parseErrorBody(body), 20_000).retryAfterMs).toBe(20_000)
  })

  it("another 400 keeps its own code and message", () => {
    const error = classifyHttpError(ctx("groq"), 400, parseErrorBody(`{"error": {"message": "'messages.1' : property 'name' is unsupported", "type": "invalid_request_error"}}`), undefined)
    expect(error.code).toBeUndefined()
    expect(error.message).toBe("groq refused the request (400: 'messages.1' : property 'name' is unsupported)")
  })

  it("Groq's per-day 429 is QuotaExhausted with the reset from its message", () => {
    const error = classifyHttpError(ctx("groq"), 429, { message: groqTpd }, 2000)
    expect(error.reason).toBe("QuotaExhausted")
    expect(error.retryAfterMs).toBeCloseTo(414_720, 3)
    expect(tryAgainMs("Please try again in 1h23m45.6s.")).toBeCloseTo(5_025_600, 3)
  })

  it("Groq's per-minute 429 is RateLimited with retry-after", () => {
    const error = classifyHttpError(ctx("groq"), 429, { message: groqTpm }, 6000)
    expect(error.reason).toBe("RateLimited")
    expect(error.retryAfterMs).toBe(6000)
    expect(classifyHttpError(ctx("groq"), 429, { message: groqTpm }, undefined).retryAfterMs).toBeCloseTo(5289, 3)
  })

  it("402 is QuotaExhausted (Hugging Face credits)", () => {
    const error = classifyHttpError(ctx("huggingface"), 402, { message: "You have exceeded your monthly included credits for Inference Providers." }, undefined)
    expect(error.reason).toBe("QuotaExhausted")
  })

  it("Groq's tool_use_failed is a BadRequest with its code", () => {
    const error = classifyHttpError(ctx("groq"), 400, { message: "Failed to call a function.", code: "tool_use_failed" }, undefined)
    expect([error.reason, error.code]).toEqual(["BadRequest", "tool_use_failed"])
  })

  it.each([[500, "Unavailable"], [502, "Unavailable"], [503, "Unavailable"], [498, "Unavailable"], [408, "Timeout"], [404, "BadRequest"], [422, "BadRequest"], [413, "BadRequest"]] as const)(
    "%d is %s",
    (status, reason) => {
      expect(classifyHttpError(ctx("groq"), status, { message: "x" }, undefined).reason).toBe(reason)
    }
  )

  it("a 5xx or 408 carries the server's retry-after; one without it carries none", () => {
    expect(classifyHttpError(ctx("together"), 503, { message: "Service Unavailable" }, 30_000)).toMatchObject({ reason: "Unavailable", retryAfterMs: 30_000 })
    expect(classifyHttpError(ctx("together"), 408, { message: "timeout" }, 5_000)).toMatchObject({ reason: "Timeout", retryAfterMs: 5_000 })
    expect(classifyHttpError(ctx("together"), 500, { message: "oops" }, undefined).retryAfterMs).toBeUndefined()
  })

  it("Together's 403 is a context-length BadRequest, not a bad key", () => {
    expect(classifyHttpError({ ...ctx("together"), keyVar: "TOGETHER_API_KEY" }, 403, { message: "Input validation error: inputs tokens + max_new_tokens must be <= 8193" }, undefined).reason)
      .toBe("BadRequest")
  })
})

describe("a completion's usage as servers send it", () => {
  const decode = (usage: unknown) =>
    Schema.decodeUnknownSync(ChatResponse)({ choices: [{ message: { role: "assistant", content: "hi" } }], ...(usage === undefined ? {} : { usage }) }).usage

  it("keeps a well-formed usage and reads numeric strings as numbers", () => {
    expect(decode({ prompt_tokens: 18, completion_tokens: 7, total_tokens: 25 })).toEqual({ prompt_tokens: 18, completion_tokens: 7, total_tokens: 25 })
    expect(decode({ prompt_tokens: "18", completion_tokens: "7" })).toEqual({ prompt_tokens: 18, completion_tokens: 7 })
  })

  it.each([
    ["a null count", { prompt_tokens: 18, completion_tokens: null }],
    ["a missing count", { prompt_tokens: 18 }],
    ["a count that is not a number", { prompt_tokens: "many", completion_tokens: 3 }],
    ["a negative count", { prompt_tokens: -1, completion_tokens: 3 }],
    ["an empty object", {}],
    ["a string", "n/a"],
    ["null", null]
  ])("a usage with %s is no usage, and the completion is still good", (_, usage) => {
    expect(decode(usage)).toBeNull()
  })

  it("no usage at all stays absent", () => {
    expect(decode(undefined)).toBeUndefined()
  })
})

describe("a reasoning model's thinking as servers send it", () => {
  it("is the first of reasoning_content and reasoning that holds text", () => {
    expect(reasoningOf({ content: "x", reasoning_content: "", reasoning: "the plan" })).toBe("the plan")
    expect(reasoningOf({ content: "x", reasoning_content: "vLLM's", reasoning: "Groq's" })).toBe("vLLM's")
    expect(reasoningOf({ content: "x", reasoning: "  " })).toBeUndefined()
  })
})

describe("a completion's content as servers send it", () => {
  const decode = (content: unknown) =>
    Schema.decodeUnknownEither(ChatResponse)({ choices: [{ message: { role: "assistant", ...(content === undefined ? {} : { content }) } }] })
  const text = (content: unknown) => {
    const decoded = decode(content)
    if (Either.isLeft(decoded)) throw new Error(`refused: ${decoded.left.message}`)
    return decoded.right.choices[0].message.content
  }

  it("keeps a string, null and absence as they are", () => {
    expect(text("{\"turns\": []}")).toBe("{\"turns\": []}")
    expect(text(null)).toBeNull()
    expect(text(undefined)).toBeUndefined()
  })

  it("joins the text parts of a list of parts, leaving the thinking out (Mistral's reasoning models)", () => {
    const parts = [
      { type: "thinking", thinking: [{ type: "text", text: "The user wants JSON." }] },
      { type: "text", text: "{\"turns\": [" },
      { type: "text", text: "]}" }
    ]
    expect(text(parts)).toBe("{\"turns\": []}")
    expect(text([{ type: "output_text", text: "a" }, "b", { type: "image_url", image_url: { url: "x" } }])).toBe("ab")
  })

  it.each([["an object", { text: "hi" }], ["a number", 3]])("refuses %s as content (not a chat completion)", (_, content) => {
    expect(Either.isLeft(decode(content))).toBe(true)
  })
})
