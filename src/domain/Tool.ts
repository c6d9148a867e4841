import { Schema } from "effect"

/** A tool name as OpenAI accepts it: letters, digits, `_` and `-`, at most 64 characters. */
export const ToolName = Schema.String.pipe(
  Schema.pattern(/^[a-zA-Z0-9_-]{1,64}$/),
  Schema.annotations({ identifier: "ToolName", message: () => "expected a tool name of letters, digits, _ or - (1-64 characters)" })
)

/** A JSON Schema object; its contents are checked with ajv where it is loaded. */
export const JsonSchemaObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "JsonSchemaObject"
})
export type JsonSchemaObject = typeof JsonSchemaObject.Type

/** A tool in OpenAI's shape: `{ type: "function", function: { name, description, parameters } }`. */
export const ToolDefinition = Schema.Struct({
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: ToolName,
    description: Schema.String,
    parameters: JsonSchemaObject
  })
}).annotations({ identifier: "ToolDefinition" })
export interface ToolDefinition extends Schema.Schema.Type<typeof ToolDefinition> {}

export const toolName = (tool: ToolDefinition): string => tool.function.name
