import { Schema } from "effect"

/** The scenario catalogue could not be loaded, or a selection does not fit it. */
export class CatalogError extends Schema.TaggedError<CatalogError>()("CatalogError", {
  reason: Schema.Literal(
    "Unreadable",
    "InvalidYaml",
    "InvalidEntry",
    "DuplicateId",
    "UnknownTool",
    "InvalidToolSchema",
    "UnknownType",
    "Empty"
  ),
  /** The catalogue file at fault, when there is one. */
  file: Schema.optional(Schema.String),
  message: Schema.String
}) {}
