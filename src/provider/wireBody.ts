import type { ProviderSettings } from "../config/ConfigSchema.js"
import type { ChatMessage, ChatRequest, ResponseFormat } from "./ChatRequest.js"
import type { ProviderProfile } from "./profiles.js"

/** Groq accepts only these message fields; anything else (even `name`) is a 400. */
const STRICT_FIELDS = new Set(["role", "content", "tool_calls", "tool_call_id"])

const strictMessage = (message: ChatMessage): ChatMessage =>
  Object.fromEntries(Object.entries(message).filter(([key]) => STRICT_FIELDS.has(key))) as ChatMessage

/** The response format this provider gets: downgraded or dropped where it would be refused. */
const responseFormat = (profile: ProviderProfile, settings: ProviderSettings, request: ChatRequest): ResponseFormat | undefined => {
  const asked = request.response_format
  if (asked === undefined || asked.type === "text") return asked
  const mode = settings.json_mode
  if (mode === "none") return undefined
  if (request.tools !== undefined && request.tools.length > 0 && !profile.supports.jsonWithTools) return undefined
  const schemaOk = mode === "json_schema" || (mode === "auto" && profile.supports.jsonSchema)
  const objectOk = mode === "json_object" || (mode === "auto" && profile.supports.jsonObject)
  if (asked.type === "json_schema") return schemaOk ? asked : objectOk ? { type: "json_object" } : undefined
  return objectOk ? asked : schemaOk ? { type: "json_schema", json_schema: { name: "response", schema: { type: "object" } } } : undefined
}

/** The JSON body of `POST /chat/completions` for one provider, with its quirks applied. */
export const wireBody = (profile: ProviderProfile, settings: ProviderSettings, request: ChatRequest): Record<string, unknown> => {
  const format = responseFormat(profile, settings, request)
  const hasTools = request.tools !== undefined && request.tools.length > 0
  const body: Record<string, unknown> = {
    model: request.model ?? settings.model,
    messages: profile.strictMessages ? request.messages.map(strictMessage) : request.messages
  }
  if (hasTools) body["tools"] = request.tools
  if (hasTools && request.tool_choice !== undefined && profile.supports.toolChoice) body["tool_choice"] = request.tool_choice
  if (format !== undefined) body["response_format"] = format
  if (request.temperature !== undefined) body["temperature"] = request.temperature
  if (request.seed !== undefined) body["seed"] = request.seed
  if (request.max_tokens !== undefined) body["max_tokens"] = request.max_tokens
  if (settings.reasoning_effort !== undefined && settings.reasoning_effort !== null) body["reasoning_effort"] = settings.reasoning_effort
  return body
}
