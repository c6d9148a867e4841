import { Schema } from "effect"
import { ToolName } from "./Tool.js"

/** Tool-call arguments as a JSON object; exporters turn them into a string where a format wants one. */
export const ToolArguments = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "ToolArguments"
})
export type ToolArguments = typeof ToolArguments.Type

export const ToolCall = Schema.Struct({
  id: Schema.NonEmptyString,
  type: Schema.Literal("function"),
  function: Schema.Struct({
    name: ToolName,
    arguments: ToolArguments
  })
}).annotations({ identifier: "ToolCall" })
export interface ToolCall extends Schema.Schema.Type<typeof ToolCall> {}

export const SystemTurn = Schema.Struct({
  role: Schema.Literal("system"),
  content: Schema.String
}).annotations({ identifier: "SystemTurn" })

export const UserTurn = Schema.Struct({
  role: Schema.Literal("user"),
  content: Schema.String
}).annotations({ identifier: "UserTurn" })

/** An assistant turn: text (may be empty when it only calls tools) and optional tool calls. */
export const AssistantTurn = Schema.Struct({
  role: Schema.Literal("assistant"),
  content: Schema.String,
  tool_calls: Schema.optional(Schema.NonEmptyArray(ToolCall))
}).annotations({ identifier: "AssistantTurn" })
export interface AssistantTurn extends Schema.Schema.Type<typeof AssistantTurn> {}

/** A tool result, linked to its call by `tool_call_id` and naming the tool (HF templates need `name`). */
export const ToolTurn = Schema.Struct({
  role: Schema.Literal("tool"),
  tool_call_id: Schema.NonEmptyString,
  name: ToolName,
  content: Schema.String
}).annotations({ identifier: "ToolTurn" })
export interface ToolTurn extends Schema.Schema.Type<typeof ToolTurn> {}

export const Turn = Schema.Union(SystemTurn, UserTurn, AssistantTurn, ToolTurn).annotations({ identifier: "Turn" })
export type Turn = typeof Turn.Type

export const Role = Schema.Literal("system", "user", "assistant", "tool")
export type Role = typeof Role.Type
