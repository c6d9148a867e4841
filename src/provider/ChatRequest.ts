import type { ToolDefinition } from "../domain/Tool.js"

/** A tool call on the wire: `arguments` is a JSON string, as OpenAI-compatible servers want it. */
export interface WireToolCall {
  readonly id: string
  readonly type: "function"
  readonly function: { readonly name: string; readonly arguments: string }
}

export type ChatMessage =
  | { readonly role: "system" | "user"; readonly content: string; readonly name?: string }
  | { readonly role: "assistant"; readonly content: string | null; readonly tool_calls?: ReadonlyArray<WireToolCall> }
  | { readonly role: "tool"; readonly tool_call_id: string; readonly content: string; readonly name?: string }

export type ResponseFormat =
  | { readonly type: "text" }
  | { readonly type: "json_object" }
  | {
    readonly type: "json_schema"
    readonly json_schema: { readonly name: string; readonly schema: Record<string, unknown>; readonly strict?: boolean }
  }

export type ToolChoice = "auto" | "none" | "required" | { readonly type: "function"; readonly function: { readonly name: string } }

/**
 * What a caller asks of the pool. `model` is usually left out: each provider fills in its own.
 * `max_tokens` also sizes the limiter's token reservation.
 */
export interface ChatRequest {
  readonly model?: string
  readonly messages: ReadonlyArray<ChatMessage>
  readonly tools?: ReadonlyArray<ToolDefinition>
  readonly tool_choice?: ToolChoice
  readonly response_format?: ResponseFormat
  readonly temperature?: number
  readonly seed?: number
  readonly max_tokens?: number
}

/** A rough token count (≈ 4 characters a token) for pacing before the provider says the real one. */
export const estimatePromptTokens = (request: ChatRequest): number => {
  let chars = 0
  for (const message of request.messages) chars += (message.content?.length ?? 0) + 8
  if (request.tools !== undefined) chars += JSON.stringify(request.tools).length
  return Math.ceil(chars / 4)
}
