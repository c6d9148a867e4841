import { Config, Effect, Option } from "effect"

/** An environment variable that overrides one config value. */
export interface EnvOverride {
  readonly name: string
  readonly path: ReadonlyArray<string>
}

const perProvider = (prefix: string, provider: string): ReadonlyArray<EnvOverride> => [
  { name: `${prefix}_BASE_URL`, path: ["providers", provider, "base_url"] },
  { name: `${prefix}_MODEL`, path: ["providers", provider, "model"] }
]

/** The variable that overrides `providers.<provider>.<key>` (`GROQ_BASE_URL`, `HF_MODEL`), if there is one. */
export const providerVariable = (provider: string, key: "base_url" | "model"): string | undefined =>
  ENV_OVERRIDES.find((o) => o.path[0] === "providers" && o.path[1] === provider && o.path[2] === key)?.name

/** Every variable that overrides the config file (flags override these in turn). */
export const ENV_OVERRIDES: ReadonlyArray<EnvOverride> = [
  { name: "AGENTIC_SYNTH_PROVIDER", path: ["provider"] },
  { name: "AGENTIC_SYNTH_OUTPUT", path: ["output", "dir"] },
  ...perProvider("GROQ", "groq"),
  ...perProvider("TOGETHER", "together"),
  ...perProvider("HF", "huggingface"),
  ...perProvider("OLLAMA", "ollama"),
  ...perProvider("OPENAI", "openai")
]

/** The variable naming the config file when `--config` is not given. */
export const CONFIG_FILE_ENV = "AGENTIC_SYNTH_CONFIG"

/** Reads a variable through Effect's `ConfigProvider` (so tests can supply their own); empty counts as unset. */
export const readEnv = (name: string): Effect.Effect<Option.Option<string>> =>
  Config.string(name).pipe(
    Config.option,
    Effect.map(Option.filter((value) => value.trim() !== "")),
    Effect.orElseSucceed(() => Option.none<string>())
  )
