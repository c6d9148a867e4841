import { Config, Effect, Option, type Redacted } from "effect"
import type { AppConfigData } from "../config/ConfigSchema.js"
import { DEFAULT_CONFIG } from "../config/defaults.js"
import { PROVIDER_NAMES, type ProviderName } from "../domain/ProviderName.js"
import { PROFILES } from "./profiles.js"

/** Whether a provider can be used as configured, and the key it would use (never shown). */
export interface Availability {
  readonly name: ProviderName
  readonly available: boolean
  /** The variable the key was read from, when one was found. */
  readonly keyVar: string | undefined
  readonly key: Option.Option<Redacted.Redacted<string>>
  /** Whether the base URL was set away from the built-in default (a local server, a gateway). */
  readonly customBaseUrl: boolean
  /** What to do to make it available, when it is not. */
  readonly fix: string
}

const firstKey = (names: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    for (const name of names) {
      const value = yield* Config.redacted(name).pipe(Config.option, Effect.orElseSucceed(() => Option.none()))
      if (Option.isSome(value)) return Option.some([name, value.value] as const)
    }
    return Option.none<readonly [string, Redacted.Redacted<string>]>()
  })

/**
 * A provider with a required key is available when the key is set; a keyless one (a local server)
 * when its base URL was set or it was chosen by name.
 */
export const availability = (config: AppConfigData, name: ProviderName) =>
  Effect.gen(function*() {
    const settings = config.providers[name]
    const profile = PROFILES[name]
    const found = yield* firstKey(settings.api_key_env)
    const customBaseUrl = settings.base_url !== DEFAULT_CONFIG.providers[name].base_url
    // A keyless or optional-key provider (a local server, any OpenAI-compatible one) joins `auto` only
    // when its base URL was set: an OPENAI_API_KEY lying in the environment must not pull in a paid API.
    const available = profile.keyRequired
      ? Option.isSome(found)
      : customBaseUrl || config.provider === name
    const fix = !profile.keyRequired
      ? profile.signup
      : settings.api_key_env.length === 0
      ? `list the variable holding its key in providers.${name}.api_key_env (${profile.signup})`
      : `set ${settings.api_key_env.join(" or ")} (${profile.signup})`
    return {
      name,
      available,
      keyVar: Option.getOrUndefined(Option.map(found, ([keyVar]) => keyVar)),
      key: Option.map(found, ([, key]) => key),
      customBaseUrl,
      fix
    } satisfies Availability
  })

/** Every provider's availability, in `auto` order. */
export const availabilities = (config: AppConfigData) =>
  Effect.forEach(PROVIDER_NAMES, (name) => availability(config, name))
