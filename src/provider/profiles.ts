import type { ProviderName } from "../domain/ProviderName.js"
import type { HeaderDialect } from "./rateLimitHeaders.js"

/** What agentic-synth knows about a provider beyond its config: keys, headers, features, quirks. */
export interface ProviderProfile {
  readonly name: ProviderName
  /** Whether a call needs a key; `openai` takes one only when its server wants one. */
  readonly keyRequired: boolean
  /** Where to get a key, or how to start the server. */
  readonly signup: string
  readonly headers: HeaderDialect
  readonly supports: {
    readonly toolChoice: boolean
    readonly jsonObject: boolean
    readonly jsonSchema: boolean
    /** Whether `response_format` may be combined with `tools` in one request. */
    readonly jsonWithTools: boolean
  }
  /** Groq answers 400 to `name` on messages and to any message field it does not know. */
  readonly strictMessages: boolean
  /** The API path added to a bare host (`GROQ_BASE_URL=https://api.groq.com`, `http://localhost:11434`); default `/v1`. */
  readonly sdkPath?: string
}

const all = { toolChoice: true, jsonObject: true, jsonSchema: true, jsonWithTools: true }

export const PROFILES: Readonly<Record<ProviderName, ProviderProfile>> = {
  groq: {
    name: "groq",
    keyRequired: true,
    signup: "free key: console.groq.com/keys",
    headers: "groq",
    // json_schema only on some models; JSON mode with tools in one request is refused.
    supports: { toolChoice: true, jsonObject: true, jsonSchema: false, jsonWithTools: false },
    strictMessages: true,
    sdkPath: "/openai/v1"
  },
  together: {
    name: "together",
    keyRequired: true,
    signup: "prepaid key: api.together.ai/settings/api-keys",
    headers: "together",
    supports: all,
    strictMessages: false
  },
  huggingface: {
    name: "huggingface",
    keyRequired: true,
    signup: "free token: huggingface.co/settings/tokens",
    headers: "none",
    supports: all,
    strictMessages: false
  },
  ollama: {
    name: "ollama",
    keyRequired: false,
    signup: "run ollama serve, set OLLAMA_BASE_URL=http://localhost:11434/v1",
    headers: "none",
    // Ollama's OpenAI layer has no tool_choice field: it would be ignored.
    supports: { toolChoice: false, jsonObject: true, jsonSchema: true, jsonWithTools: true },
    strictMessages: false
  },
  openai: {
    name: "openai",
    keyRequired: false,
    signup: "set OPENAI_BASE_URL to an OpenAI-compatible server (OPENAI_API_KEY if needed)",
    headers: "openai",
    supports: all,
    strictMessages: false
  }
}

/**
 * The API root of a provider: the configured base URL without trailing slashes, with the API path
 * added when the URL is a bare host (groq-sdk's `GROQ_BASE_URL` is `https://api.groq.com`; Ollama's
 * own convention is `http://localhost:11434`).
 */
export const apiRoot = (profile: ProviderProfile, baseUrl: string): string => {
  const trimmed = baseUrl.replace(/\/+$/, "")
  return new URL(trimmed).pathname.replace(/\/+$/, "") === "" ? `${trimmed}${profile.sdkPath ?? "/v1"}` : trimmed
}

/** A URL fit for a message: any `user:password@` removed. */
export const displayUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.username = ""
    parsed.password = ""
    return parsed.toString().replace(/\/$/, "")
  } catch {
    return "(invalid URL)"
  }
}
