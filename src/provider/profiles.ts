import type { ProviderName } from "../domain/ProviderName.js"

/** What the CLI needs to know about each provider before any call: how to get a key. */
export interface ProviderProfile {
  readonly name: ProviderName
  /** Whether a call needs a key; `openai` takes one only when its server wants one. */
  readonly keyRequired: boolean
  /** Where to get a key, or how to start the server. */
  readonly signup: string
}

export const PROFILES: Readonly<Record<ProviderName, ProviderProfile>> = {
  groq: { name: "groq", keyRequired: true, signup: "free key: console.groq.com/keys" },
  together: { name: "together", keyRequired: true, signup: "prepaid key: api.together.ai/settings/api-keys" },
  huggingface: { name: "huggingface", keyRequired: true, signup: "free token: huggingface.co/settings/tokens" },
  ollama: { name: "ollama", keyRequired: false, signup: "run ollama serve, set OLLAMA_BASE_URL=http://localhost:11434/v1" },
  openai: { name: "openai", keyRequired: false, signup: "set OPENAI_BASE_URL to an OpenAI-compatible server (OPENAI_API_KEY if needed)" }
}
