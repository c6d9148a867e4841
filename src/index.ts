/**
 * agentic-synth as a library: the shared schemas and errors, the configuration and catalogue
 * services, the work-item planner, and the pooled chat client.
 */
export * from "./domain/CatalogError.js"
export * from "./domain/ConfigError.js"
export * from "./domain/Conversation.js"
export * from "./domain/Outcome.js"
export * from "./domain/ProviderError.js"
export * from "./domain/ProviderName.js"
export * from "./domain/Scenario.js"
export * from "./domain/Shard.js"
export * from "./domain/Tool.js"
export * from "./domain/Turn.js"
export * from "./domain/WorkItem.js"

export { AppConfig } from "./config/AppConfig.js"
export type { AppConfigData, ProviderSettings } from "./config/ConfigSchema.js"
export { DEFAULT_CONFIG } from "./config/defaults.js"
export { type FlagOverride, type LoadOptions, loadConfig } from "./config/loadConfig.js"

export { Catalog, type CatalogData, scenariosOf } from "./catalog/Catalog.js"
export { BUILTIN_CATALOG_DIR, loadCatalog } from "./catalog/loadCatalog.js"
export { type PlanOptions, selectTypes, workItems, workItemStream } from "./catalog/workItems.js"

export type { ChatMessage, ChatRequest, ResponseFormat, ToolChoice, WireToolCall } from "./provider/ChatRequest.js"
export type { ChatResponse, Completion } from "./provider/ChatResponse.js"
export { ChatClient } from "./provider/ChatClient.js"
export { checkProvider, type HealthReport } from "./provider/healthCheck.js"
export type { ProviderStatus } from "./provider/ProviderPool.js"
export { PROFILES, type ProviderProfile } from "./provider/profiles.js"
export { type Exhaustion, QuotaStore } from "./provider/QuotaStore.js"
export { selectEndpoints } from "./provider/selectEndpoints.js"

export { generateConversations, type GenerateOptions, generateItem } from "./generate/Generator.js"
export { parseConversation } from "./generate/parse.js"
export { buildRequest, PROMPT_VERSION } from "./generate/prompt.js"
export { validateConversation } from "./generate/validate.js"
export { Scorer } from "./quality/Scorer.js"
export { type Progress, runGeneration, type RunOptions } from "./sink/runGeneration.js"
export { SinkError } from "./sink/SinkError.js"
