import { Schema } from "effect"

/** The provider profiles agentic-synth knows, in the order `--provider auto` tries them. */
export const PROVIDER_NAMES = ["groq", "together", "huggingface", "ollama", "openai"] as const
export const ProviderName = Schema.Literal(...PROVIDER_NAMES)
export type ProviderName = typeof ProviderName.Type
