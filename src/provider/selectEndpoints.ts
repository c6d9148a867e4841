import { Effect } from "effect"
import type { AppConfigData } from "../config/ConfigSchema.js"
import { ConfigError } from "../domain/ConfigError.js"
import { availabilities } from "./availability.js"
import type { EndpointConfig } from "./Endpoint.js"
import { PROFILES } from "./profiles.js"

/**
 * The providers a config selects, ready to call: `auto` takes every available one in order (groq,
 * together, huggingface, ollama, openai); a named provider must be available. None: one line naming
 * the variables to set.
 */
export const selectEndpoints = (config: AppConfigData): Effect.Effect<ReadonlyArray<EndpointConfig>, ConfigError> =>
  Effect.gen(function*() {
    const all = yield* availabilities(config)
    const chosen = all.filter((p) => p.available && (config.provider === "auto" || config.provider === p.name))
    if (chosen.length === 0) {
      const named = all.find((p) => p.name === config.provider)
      return yield* new ConfigError({
        reason: "NoProvider",
        message: named === undefined
          ? `no provider is configured: set GROQ_API_KEY (${PROFILES.groq.signup}), TOGETHER_API_KEY or HF_TOKEN, ` +
            "or OLLAMA_BASE_URL / OPENAI_BASE_URL for a local server"
          : `provider ${named.name} is not configured: ${named.fix}`
      })
    }
    return chosen.map((p) => ({
      name: p.name,
      profile: PROFILES[p.name],
      settings: config.providers[p.name],
      apiKey: p.key,
      keyVar: p.keyVar
    }))
  })
