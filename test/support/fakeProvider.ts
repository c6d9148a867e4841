import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { goDuration, MinuteBudget, type WindowMode } from "./fakeLimits.js"
import { requestSchemaViolation } from "./requestSchema.js"

/** Which provider the fake plays: its headers, error bodies and quirks. */
export type Flavor = "groq" | "together" | "huggingface" | "plain"
export type Fault = "serverError" | "rateLimit" | "hang" | "truncated" | "malformed" | "badContent"

export interface FakeReply {
  readonly content?: string | null
  readonly tool_calls?: ReadonlyArray<unknown>
  readonly finish_reason?: string
  /** A reasoning model's thinking, in Groq's field (`reasoning`) or vLLM's (`reasoning_content`). */
  readonly reasoning?: string
  readonly reasoning_content?: string
  /** Completion tokens to report (default: a token per 4 characters of the reply). */
  readonly completion_tokens?: number
}

export interface FakeOptions {
  readonly flavor?: Flavor
  /** The key the fake accepts (`Authorization: Bearer <key>`); none: any or no key. */
  readonly key?: string
  /** Fixed latency, or a [min, max] range, in ms. */
  readonly latencyMs?: number | readonly [number, number]
  readonly rpm?: number
  readonly tpm?: number
  readonly mode?: WindowMode
  /** Requests answered before the day's quota is gone (Groq: per-day 429; Hugging Face, Together: 402). */
  readonly dayRequests?: number
  /** Which daily Groq limit `dayRequests` plays: requests (visible in headers) or tokens (only in the 429 body). */
  readonly dailyLimit?: "requests" | "tokens"
  /** Faults for the next chat requests in order (`"ok"`: none), before the random ones apply. */
  readonly script?: ReadonlyArray<Fault | "ok">
  /** Probability of each injected fault per request. */
  readonly faults?: Partial<Record<Fault, number>>
  readonly reply?: (body: Record<string, unknown>) => FakeReply
  readonly seed?: number
  /** The 401 message, given the Authorization header (some providers echo part of the key). */
  readonly unauthorizedMessage?: (authorization: string | undefined) => string
  /** Model ids listed by `GET /models`. */
  readonly models?: ReadonlyArray<string>
  /**
   * The model's context in tokens: a request whose prompt (a token per 4 characters) and `max_tokens`
   * exceed it is refused with vLLM's 400 body.
   */
  readonly contextTokens?: number | undefined
  /** Models the provider has retired: a request for one gets Groq's 400 `model_decommissioned`. */
  readonly retiredModels?: ReadonlyArray<string>
  /** Request fields the server refuses with a 400 naming the field (Groq on `reasoning_effort` for a model that does not reason). */
  readonly refusedFields?: ReadonlyArray<string>
}

export interface RecordedRequest {
  readonly at: number
  readonly path: string
  readonly authorization: string | undefined
  readonly body: Record<string, unknown> | undefined
  readonly status: number
}

const GROQ_MESSAGE_FIELDS = new Set(["role", "content", "tool_calls", "tool_call_id"])

/** A small seeded generator, so fault storms are repeatable. */
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const errorBody = (flavor: Flavor, message: string, type: string, code?: string): unknown =>
  flavor === "huggingface" ? { error: message } : { error: { message, type, ...(code === undefined ? {} : { code }) } }

/**
 * An in-process HTTP server on 127.0.0.1 speaking `/chat/completions` (and `GET /models`) the way Groq,
 * Together, Hugging Face or a plain OpenAI-compatible server does, with enforced limits, a daily
 * quota and injected faults. Every request body is checked against OpenAI's request schema (and
 * Groq's stricter message rules when playing Groq); a violation is answered 400 and recorded.
 */
export const startFakeProvider = async (initial: FakeOptions = {}) => {
  let options: FakeOptions = initial
  const started = Date.now()
  const random = mulberry32(initial.seed ?? 1)
  const requests: Array<RecordedRequest> = []
  const violations: Array<string> = []
  const counts: Record<string, number> = {}
  let rpm = options.rpm === undefined ? undefined : new MinuteBudget(options.rpm, options.mode ?? "bucket", started)
  let tpm = options.tpm === undefined ? undefined : new MinuteBudget(options.tpm, options.mode ?? "bucket", started)
  let servedToday = 0
  /** Admission times within the last second, for Together's per-second headers. */
  const lastSecond: Array<number> = []
  const script = [...(initial.script ?? [])]
  const hanging = new Set<ServerResponse>()

  const flavor = () => options.flavor ?? "plain"
  const latency = () => {
    const l = options.latencyMs ?? 0
    return typeof l === "number" ? l : l[0] + random() * (l[1] - l[0])
  }

  const limitHeaders = (now: number): Record<string, string> => {
    switch (flavor()) {
      case "groq": {
        const day = options.dailyLimit === "tokens" ? 14_400 : options.dayRequests ?? 14_400
        // Token headers only when the fake enforces a token budget: advertising one it does not enforce
        // would (rightly) slow the client down.
        return {
          "x-ratelimit-limit-requests": String(day),
          "x-ratelimit-remaining-requests": String(Math.max(0, day - servedToday)),
          "x-ratelimit-reset-requests": goDuration(86_400_000 / day),
          ...(tpm === undefined || options.tpm === undefined ? {} : {
            "x-ratelimit-limit-tokens": String(options.tpm),
            "x-ratelimit-remaining-tokens": String(tpm.remaining(now)),
            "x-ratelimit-reset-tokens": goDuration(tpm.resetMs(now))
          })
        }
      }
      case "together": {
        if (options.rpm === undefined) return {}
        // Together counts per second: what is left of this second's allowance, and when it frees up.
        while (lastSecond.length > 0 && lastSecond[0]! <= now - 1000) lastSecond.shift()
        const perSecond = options.rpm / 60
        return {
          "x-ratelimit-limit": String(perSecond),
          "x-ratelimit-remaining": String(Math.max(0, Math.floor(perSecond - lastSecond.length))),
          "x-ratelimit-reset": String(lastSecond.length === 0 ? 0 : Math.max(0, (lastSecond[0]! + 1000 - now) / 1000)),
          ...(options.tpm === undefined ? {} : { "x-tokenlimit-limit": String(options.tpm / 60), "x-tokenlimit-remaining": String(Math.floor((tpm?.remaining(now) ?? 0) / 60)) })
        }
      }
      default:
        return {}
    }
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    counts[status] = (counts[status] ?? 0) + 1
    const text = typeof body === "string" ? body : JSON.stringify(body)
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers })
    res.end(text)
  }

  const rateLimited = (res: ServerResponse, dimension: "requests" | "tokens", waitMs: number, now: number) => {
    const f = flavor()
    const seconds = Math.max(1, Math.ceil(waitMs / 1000))
    const limit = dimension === "requests" ? options.rpm : options.tpm
    const message = f === "groq"
      ? `Rate limit reached for model \`fake-model\` in organization \`org_fake\` service tier on_demand on ${dimension} per minute (${dimension === "requests" ? "RPM" : "TPM"}): Limit ${limit}, Used ${limit}, Requested 1. Please try again in ${goDuration(waitMs)}. Visit https://console.groq.com/docs/rate-limits for more information.`
      : f === "together"
      ? `You have been rate limited. Your rate limit is ${limit} ${dimension} per minute.`
      : "Rate limit reached, slow down"
    counts["429-limit"] = (counts["429-limit"] ?? 0) + 1
    send(res, 429, errorBody(f, message, f === "groq" ? dimension : f === "together" ? "dynamic_request_limited" : "rate_limit_exceeded", "rate_limit_exceeded"), {
      "retry-after": String(seconds),
      ...limitHeaders(now)
    })
  }

  const quotaGone = (res: ServerResponse, now: number) => {
    counts["quota"] = (counts["quota"] ?? 0) + 1
    const f = flavor()
    if (f === "groq") {
      const day = options.dayRequests ?? 0
      const what = options.dailyLimit === "tokens" ? "tokens per day (TPD)" : "requests per day (RPD)"
      return send(res, 429, errorBody(f, `Rate limit reached for model \`fake-model\` in organization \`org_fake\` service tier on_demand on ${what}: Limit ${day}, Used ${day}, Requested 1. Please try again in 6m54.72s. Visit https://console.groq.com/docs/rate-limits for more information.`, options.dailyLimit ?? "requests", "rate_limit_exceeded"), {
        "retry-after": "415",
        ...limitHeaders(now)
      })
    }
    if (f === "huggingface") {
      return send(res, 402, { error: "You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits." })
    }
    return send(res, 402, errorBody(f, "Credit limit exceeded. Please add credits to continue.", "credit_limit"))
  }

  const check = (body: Record<string, unknown>): string | undefined => {
    const violation = requestSchemaViolation(body)
    if (violation !== undefined) return violation
    if (flavor() === "groq") {
      const messages = body["messages"] as Array<Record<string, unknown>>
      for (const [i, message] of messages.entries()) {
        const extra = Object.keys(message).find((key) => !GROQ_MESSAGE_FIELDS.has(key))
        if (extra !== undefined) return `'messages.${i}' : property '${extra}' is unsupported`
      }
      if (body["response_format"] !== undefined && body["tools"] !== undefined) return "json mode cannot be combined with tool/function calling"
    }
    return undefined
  }

  const complete = (body: Record<string, unknown>, now: number) => {
    const reply = options.reply?.(body) ?? { content: "OK" }
    const content = reply.content ?? null
    const promptTokens = Math.ceil(JSON.stringify(body["messages"]).length / 4)
    const completionTokens = reply.completion_tokens ?? Math.max(1, Math.ceil((content ?? JSON.stringify(reply.tool_calls ?? [])).length / 4))
    return {
      body: {
        id: `chatcmpl-${requests.length}`,
        object: "chat.completion",
        created: Math.floor(now / 1000),
        model: body["model"],
        choices: [{
          index: 0,
          message: {
            role: "assistant",
            content,
            ...(reply.tool_calls === undefined ? {} : { tool_calls: reply.tool_calls }),
            ...(reply.reasoning === undefined ? {} : { reasoning: reply.reasoning }),
            ...(reply.reasoning_content === undefined ? {} : { reasoning_content: reply.reasoning_content })
          },
          finish_reason: reply.finish_reason ?? (reply.tool_calls === undefined ? "stop" : "tool_calls")
        }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
      },
      tokens: promptTokens + completionTokens
    }
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const now = Date.now()
    const path = (req.url ?? "").replace(/\?.*$/, "")
    let body: Record<string, unknown> | undefined
    try {
      body = raw === "" ? undefined : (JSON.parse(raw) as Record<string, unknown>)
    } catch {
      body = undefined
    }
    const record = (status: number) => requests.push({ at: now, path, authorization: req.headers.authorization, body, status })
    const f = flavor()
    if (options.key !== undefined && req.headers.authorization !== `Bearer ${options.key}`) {
      record(401)
      const message = options.unauthorizedMessage?.(req.headers.authorization) ??
        (f === "huggingface" ? "Invalid credentials in Authorization header" : "Invalid API Key")
      return send(res, 401, errorBody(f, message, "invalid_request_error", "invalid_api_key"))
    }
    if (req.method === "GET" && path === "/v1/models") {
      record(200)
      return send(res, 200, { object: "list", data: (options.models ?? ["fake-model"]).map((id) => ({ id, object: "model" })) }, limitHeaders(now))
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions" || body === undefined) {
      record(404)
      return send(res, 404, errorBody(f, `Unknown request URL: ${req.method} ${path}`, "invalid_request_error", "unknown_url"))
    }
    if (options.retiredModels?.includes(String(body["model"]))) {
      record(400)
      return send(res, 400, errorBody(f, `The model \`${String(body["model"])}\` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.`, "invalid_request_error", "model_decommissioned"))
    }
    const refusedField = options.refusedFields?.find((field) => field in body!)
    if (refusedField !== undefined) {
      record(400)
      return send(res, 400, errorBody(f, `\`${refusedField}\` is not supported with this model`, "invalid_request_error"))
    }
    const problem = check(body)
    if (problem !== undefined) {
      violations.push(problem)
      record(400)
      return send(res, 400, errorBody(f, problem, "invalid_request_error"))
    }
    if (options.dayRequests !== undefined && servedToday >= options.dayRequests) {
      record(f === "groq" ? 429 : 402)
      return quotaGone(res, now)
    }
    const admitted = rpm?.try(1, now) ?? { ok: true as const }
    if (!admitted.ok) {
      record(429)
      return rateLimited(res, "requests", admitted.waitMs, now)
    }
    const requested = Math.ceil(JSON.stringify(body["messages"]).length / 4) + Number(body["max_tokens"] ?? 0)
    const tokenCheck = tpm?.try(requested, now) ?? { ok: true as const }
    if (!tokenCheck.ok) {
      record(429)
      return rateLimited(res, "tokens", tokenCheck.waitMs, now)
    }
    if (options.contextTokens !== undefined) {
      const prompt = Math.ceil(JSON.stringify(body["messages"]).length / 4)
      const completion = Number(body["max_tokens"] ?? 0)
      if (prompt + completion > options.contextTokens) {
        record(400)
        return send(res, 400, {
          object: "error",
          message: `This model's maximum context length is ${options.contextTokens} tokens. However, you requested ${prompt + completion} tokens (${prompt} in the messages, ${completion} in the completion). Please reduce the length of the messages or completion.`,
          type: "BadRequestError",
          param: null,
          code: 400
        })
      }
    }
    // The day's budget is taken at admission, as a provider counts a request when it accepts it.
    servedToday++
    lastSecond.push(now)
    const faults = options.faults ?? {}
    const roll = random()
    let acc = 0
    let fault: Fault | undefined
    for (const name of ["serverError", "rateLimit", "hang", "truncated", "malformed", "badContent"] as const) {
      acc += faults[name] ?? 0
      if (fault === undefined && roll < acc) fault = name
    }
    const scripted = script.shift()
    if (scripted !== undefined) fault = scripted === "ok" ? undefined : scripted
    const respond = () => {
      const at = Date.now()
      switch (fault) {
        case "serverError": {
          const status = [500, 502, 503][Math.floor(random() * 3)]!
          record(status)
          return send(res, status, errorBody(f, status === 503 ? "Service Unavailable" : "Internal Server Error", "internal_server_error"))
        }
        case "rateLimit":
          record(429)
          return rateLimited(res, "requests", 1000, at)
        case "hang":
          record(0)
          hanging.add(res)
          res.on("close", () => hanging.delete(res))
          return
        case "truncated": {
          record(200)
          const text = JSON.stringify(complete(body!, at).body)
          res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
          res.write(text.slice(0, Math.floor(text.length / 2)))
          counts["truncated"] = (counts["truncated"] ?? 0) + 1
          return void setTimeout(() => res.destroy(), 5)
        }
        case "malformed":
          record(200)
          counts["malformed"] = (counts["malformed"] ?? 0) + 1
          return send(res, 200, `{"id": "chatcmpl-x", "choices": [{"message": {"content": "`)
        default: {
          const { body: completion, tokens } = complete(body!, at)
          if (fault === "badContent") {
            completion.choices[0]!.message.content = "Sure! Here is the conversation you asked for: the user asks, the assistant answers."
            counts["badContent"] = (counts["badContent"] ?? 0) + 1
          }
          tpm?.adjust(tokens - requested, at)
          record(200)
          return send(res, 200, completion, limitHeaders(at))
        }
      }
    }
    const wait = latency()
    if (wait > 0) setTimeout(respond, wait)
    else respond()
  }

  const server = createServer((req, res) => {
    let raw = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => (raw += chunk))
    req.on("end", () => handle(req, res, raw))
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    violations,
    counts,
    /** Requests that reached the chat endpoint. */
    chatRequests: () => requests.filter((r) => r.path.endsWith("/chat/completions")),
    /** Changes the behaviour from now on (limits restart). */
    set: (next: Partial<FakeOptions>) => {
      options = { ...options, ...next }
      if (next.script !== undefined) script.splice(0, script.length, ...next.script)
      const now = Date.now()
      if (next.rpm !== undefined || next.mode !== undefined) rpm = options.rpm === undefined ? undefined : new MinuteBudget(options.rpm, options.mode ?? "bucket", now)
      if (next.tpm !== undefined || next.mode !== undefined) tpm = options.tpm === undefined ? undefined : new MinuteBudget(options.tpm, options.mode ?? "bucket", now)
    },
    close: () =>
      new Promise<void>((done) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}

export type FakeProvider = Awaited<ReturnType<typeof startFakeProvider>>
