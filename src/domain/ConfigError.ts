import { Schema } from "effect"

/** The configuration could not be read or is invalid; `message` names the place, the fault and the fix. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  reason: Schema.Literal("FileNotFound", "Unreadable", "InvalidYaml", "UnknownKey", "InvalidValue", "NoProvider"),
  /** The config file involved, when there is one. */
  file: Schema.optional(Schema.String),
  /** The dotted config path involved, when there is one (`providers.groq.rpm`). */
  path: Schema.optional(Schema.String),
  message: Schema.String
}) {}
