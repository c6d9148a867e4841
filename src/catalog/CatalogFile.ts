import { Schema } from "effect"
import { expected, expectedShape } from "../config/expected.js"
import { ScenarioId, ScenarioType, Trouble, VariationKind } from "../domain/Scenario.js"
import { JsonSchemaObject, ToolName } from "../domain/Tool.js"

const Text = Schema.String.pipe(Schema.minLength(1)).annotations(expected("a non-empty string"))

const ToolEntry = Schema.Struct({
  name: ToolName.annotations(expected("a tool name of letters, digits, _ or - (1-64 characters)")),
  description: Text,
  parameters: JsonSchemaObject.annotations(expectedShape("a JSON Schema object"))
}).annotations(expectedShape("a tool mapping with name, description and parameters"))
export interface ToolEntry extends Schema.Schema.Type<typeof ToolEntry> {}

const VariationEntry = Schema.Struct({
  kind: VariationKind.annotations(expected("one of straightforward, chained, trouble")),
  trouble: Schema.optional(Trouble.annotations(expected("one of tool_error, clarification, no_tool"))),
  request: Text,
  expect: Text
}).annotations(expectedShape("a variation mapping with kind, request and expect"))

const ScenarioEntry = Schema.Struct({
  id: ScenarioId.annotations(expected("a kebab-case id such as sales-csv-analysis")),
  title: Text,
  domain: Text,
  goal: Text,
  tools: Schema.NonEmptyArray(ToolName.annotations(expected("a tool name"))).annotations(
    expected("a non-empty list of tool names")
  ),
  variations: Schema.Array(VariationEntry).annotations(expectedShape("a list of 3 variations")).pipe(
    Schema.filter((list) => list.length === 3, {
      message: (issue) =>
        `expected exactly 3 variations (straightforward, chained, trouble), got ${(issue.actual as ReadonlyArray<unknown>).length}`
    })
  )
}).annotations(expectedShape("a scenario mapping"))
export interface ScenarioEntry extends Schema.Schema.Type<typeof ScenarioEntry> {}

/** One YAML file of the catalogue: tools, scenarios of one type, or both. */
export const CatalogFile = Schema.Struct({
  type: Schema.optional(ScenarioType.annotations(expected("a snake_case scenario type such as tool_usage"))),
  description: Schema.optional(Text),
  tools: Schema.optional(Schema.Array(ToolEntry).annotations(expectedShape("a list of tools"))),
  scenarios: Schema.optional(Schema.Array(ScenarioEntry).annotations(expectedShape("a list of scenarios")))
}).annotations(expectedShape("a mapping with type, scenarios and/or tools"))
export interface CatalogFile extends Schema.Schema.Type<typeof CatalogFile> {}
