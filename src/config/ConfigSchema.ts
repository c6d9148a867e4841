import { Schema } from "effect"
import { PROVIDER_NAMES } from "../domain/ProviderName.js"
import { ScenarioType } from "../domain/Scenario.js"
import { expected, expectedShape } from "./expected.js"

const PositiveInt = Schema.Number.pipe(Schema.int(), Schema.positive()).annotations(expected("a positive integer"))
const NonNegativeInt = Schema.Number.pipe(Schema.int(), Schema.nonNegative()).annotations(
  expected("an integer >= 0")
)
const PositiveNumber = Schema.Number.pipe(Schema.positive()).annotations(expected("a positive number"))
const Fraction = Schema.Number.pipe(Schema.between(0, 1)).annotations(expected("a number from 0 to 1"))
const Text = Schema.String.pipe(Schema.minLength(1)).annotations(expected("a non-empty string"))
const Bool = Schema.Boolean.annotations(expected("true or false"))

/** A limit that a local server may not have: `null` means none. */
const Limit = Schema.NullOr(PositiveInt).annotations(expected("a positive integer, or null for no limit"))

const HttpUrl = Schema.String.pipe(
  Schema.filter((s) => {
    try {
      const url = new URL(s)
      return url.protocol === "http:" || url.protocol === "https:"
    } catch {
      return false
    }
  })
).annotations(expected("an http(s) URL such as https://api.groq.com/openai/v1"))

/** An upper-case variable name. The value is never echoed: a key pasted here by mistake must not be printed. */
const EnvVarName = Schema.String.pipe(Schema.pattern(/^[A-Z_][A-Z0-9_]{0,63}$/)).annotations({
  message: () => ({
    message: "expected the NAME of an environment variable such as GROQ_API_KEY (upper case), not the key itself; the value is not shown",
    override: true
  })
})

const strict = <Fields extends Schema.Struct.Fields>(what: string, fields: Fields) =>
  Schema.Struct(fields).annotations(expectedShape(what))

export const ProviderSettings = strict("a mapping of provider settings", {
  /** OpenAI-compatible base URL; `/chat/completions` is appended. */
  base_url: HttpUrl,
  model: Text,
  /** Environment variables that may hold the key, first present wins; empty for keyless servers. */
  api_key_env: Schema.Array(EnvVarName).annotations(expectedShape("a list of environment variable names")),
  /** Requests per minute. */
  rpm: Limit,
  /** Requests per day. */
  rpd: Limit,
  /** Tokens per minute. */
  tpm: Limit,
  /** Tokens per day. */
  tpd: Limit,
  max_concurrency: PositiveInt,
  timeout_seconds: PositiveNumber,
  /** How to ask for JSON: auto (what the profile supports, dropped once refused), json_object, json_schema, or none. */
  json_mode: Schema.Literal("auto", "json_object", "json_schema", "none").annotations(
    expected("one of auto, json_object, json_schema, none")
  ),
  /**
   * `reasoning_effort` sent to a reasoning model (gpt-oss, o-series, Qwen3 on some servers): its thinking
   * counts against `max_tokens`. Null or absent: not sent. A server that refuses the field gets the
   * request again without it, and no field from then on.
   */
  reasoning_effort: Schema.optional(
    Schema.NullOr(Schema.Literal("low", "medium", "high")).annotations(expected("one of low, medium, high, or null (not sent)"))
  )
})
export interface ProviderSettings extends Schema.Schema.Type<typeof ProviderSettings> {}

export const ProviderChoice = Schema.Literal("auto", ...PROVIDER_NAMES).annotations(
  expected(`one of auto, ${PROVIDER_NAMES.join(", ")}`)
)
export type ProviderChoice = typeof ProviderChoice.Type

export const GenerationSettings = strict("a mapping of generation settings", {
  /** How many work items a run plans (before sharding). */
  max_items: PositiveInt,
  /** Scenario types to draw from; empty means every type in the catalogue. */
  types: Schema.Array(ScenarioType.annotations(expected("a snake_case scenario type such as tool_usage"))).annotations(
    expectedShape("a list of scenario types")
  ),
  /** Samples of each variation at most; null lets max_items decide. */
  samples_per_variation: Limit,
  temperature: Schema.Number.pipe(Schema.between(0, 2)).annotations(expected("a number from 0 to 2")),
  seed: NonNegativeInt,
  /** Conversations generated at once, across providers. */
  concurrency: PositiveInt,
  /** Samples drawn for one item when the model's output is unusable, before it is rejected. */
  max_attempts: PositiveInt,
  /** Completion tokens a conversation may take (also what the limiter reserves). */
  max_tokens: PositiveInt
})
export interface GenerationSettings extends Schema.Schema.Type<typeof GenerationSettings> {}

const Weight = Schema.Number.pipe(Schema.nonNegative()).annotations(expected("a number >= 0"))

export const QualitySettings = strict("a mapping of quality settings", {
  /** Conversations scoring below this are rejected. */
  min_score: Fraction,
  dedup: Bool,
  /** Jaccard similarity at or above which two conversations count as near-copies. */
  dedup_threshold: Fraction,
  /** Weights of the five dimensions in the overall score (normalised by their sum). */
  weights: strict("a mapping of dimension weights", {
    structure: Weight,
    tool_use: Weight,
    reasoning: Weight,
    completeness: Weight,
    naturalness: Weight
  }),
  /** Complexity points from which a conversation is medium, and high (docs/quality.md). */
  complexity: strict("a mapping with medium and high", { medium: PositiveInt, high: PositiveInt }),
  /** An optional LLM judge of the fuzzy dimensions (reasoning, completeness, naturalness), off by default. */
  judge: strict("a mapping of judge settings", {
    enabled: Bool,
    /** Which configured provider judges (auto: the pool of every configured one); its own limiter pool. */
    provider: ProviderChoice,
    /** The judge's model; null: the provider's configured model. */
    model: Schema.NullOr(Text).annotations(expected("a model id, or null for the provider's model")),
    /** Share of the judge's score in each fuzzy dimension (0: stored only, 1: the judge's alone). */
    weight: Fraction
  }),
  /**
   * Worker threads for the rule-based review (0: none, in the main thread). `auto`: up to two (one fewer
   * than the cores), started only once conversations arrive faster than the main thread should review
   * them alone (400 a second: a fast local server), never for a rate-limited API.
   */
  review_threads: Schema.Union(Schema.Literal("auto"), NonNegativeInt).annotations(expected("auto, or a number of threads >= 0")),
  /** Most conversations kept per scenario type and per complexity (null: no quota), to keep a dataset balanced. */
  quotas: strict("a mapping with per_type and per_complexity", {
    per_type: Limit,
    per_complexity: strict("a mapping with low, medium and high", { low: Limit, medium: Limit, high: Limit })
  })
})
export interface QualitySettings extends Schema.Schema.Type<typeof QualitySettings> {}

export const OutputSettings = strict("a mapping of output settings", {
  /** The run directory: dataset.jsonl, rejected.jsonl, failures.jsonl, run.json, log.jsonl. */
  dir: Text
})

export const CatalogSettings = strict("a mapping of catalogue settings", {
  /** Load the scenarios and tools shipped with agentic-synth. */
  builtin: Bool,
  /** More directories of scenario and tool files, read after the built-in ones. */
  dirs: Schema.Array(Text).annotations(expectedShape("a list of directories"))
})

export const RetrySettings = strict("a mapping of retry settings", {
  /** Sends of one request at most when a provider fails, times out or answers garbage (429s excepted). */
  attempts: PositiveInt,
  /** First back-off; doubled each retry, with jitter. */
  base_delay_ms: PositiveInt,
  max_delay_ms: PositiveInt,
  /**
   * A provider that has not answered at all for this long (connection refused, DNS failure, time-outs)
   * drops out; when none is left the run stops, to be resumed later.
   */
  unreachable_seconds: PositiveInt
})
export interface RetrySettings extends Schema.Schema.Type<typeof RetrySettings> {}

export const AppConfigSchema = strict("a mapping", {
  /** `auto` pools every provider whose key (or local base URL) is present. */
  provider: ProviderChoice,
  providers: strict("a mapping of providers", {
    groq: ProviderSettings,
    together: ProviderSettings,
    huggingface: ProviderSettings,
    ollama: ProviderSettings,
    openai: ProviderSettings
  }),
  retry: RetrySettings,
  generation: GenerationSettings,
  quality: QualitySettings,
  output: OutputSettings,
  catalog: CatalogSettings
})
export interface AppConfigData extends Schema.Schema.Type<typeof AppConfigSchema> {}
