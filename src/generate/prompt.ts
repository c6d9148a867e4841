import type { ToolDefinition } from "../domain/Tool.js"
import { jsonOnce } from "../domain/jsonOnce.js"
import { variationOf, type WorkItem } from "../domain/WorkItem.js"
import type { ChatRequest } from "../provider/ChatRequest.js"

/** Bump when the prompt changes in a way that changes the data; recorded in every record's provenance. */
export const PROMPT_VERSION = "1"

const PERSONAS = [
  "a busy team lead who writes short, direct messages",
  "a junior analyst who explains their situation in some detail",
  "a senior engineer who is precise and a little impatient",
  "a small-business owner who is not technical and writes casually",
  "a project manager preparing for a meeting later today",
  "a consultant working on a client's behalf who names every file and figure",
  "a researcher who cares about sources and exact numbers",
  "an operations manager who wants a clear recommendation"
] as const

const TONES = ["plain and friendly", "concise and professional", "warm but efficient", "matter-of-fact"] as const

const DETAIL = [
  "Keep the tool results compact but realistic.",
  "Make the tool results detailed, with realistic field names, ids and figures.",
  "Give the tool results the messy texture of real systems (extra fields, units, timestamps)."
] as const

/** A choice from the item's seed; the high bits of a mixed hash, so persona and tone vary independently. */
const pick = <A>(list: ReadonlyArray<A>, seed: number, salt: number): A => {
  let h = Math.imul(seed ^ Math.imul(salt, 0x85ebca6b), 0x9e3779b1)
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35) >>> 0
  return list[Math.floor((h / 2 ** 32) * list.length)]!
}

const shape = `{"turns": [
  {"role": "user", "content": "<the user's request>"},
  {"role": "assistant", "content": "<reasoning and plan in plain words>", "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "<tool name>", "arguments": {<arguments as a JSON object>}}}
  ]},
  {"role": "tool", "tool_call_id": "call_1", "name": "<tool name>", "content": "<the tool's result as a JSON string or text>"},
  {"role": "assistant", "content": "<the final answer, using the results>"}
]}`

const SYSTEM = `You write realistic multi-turn training conversations between a user and an AI assistant that plans, reasons step by step and calls tools.

Reply with exactly one JSON object and nothing else (no markdown, no commentary), of this shape:
${shape}

Rules:
- Turns alternate sensibly: the user asks; an assistant turn explains its reasoning or plan in plain words and may call tools; every tool call is answered by exactly one "tool" turn right after that assistant turn, with the same "tool_call_id" and the tool's "name"; the conversation ends with an assistant answer that makes no tool call.
- Several independent calls may go in one assistant turn (each answered by its own tool turn); a call that needs an earlier result goes in a later assistant turn and uses the actual value from that result.
- Call only the tools listed, with arguments that satisfy their JSON Schema. Use concrete, realistic values (real-looking file names, ids, queries, URLs, figures). Never use placeholders such as <value>, example_file, example.com, foo, TODO or "...".
- Tool results are plausible outputs of real systems, consistent with each other; errors look like real error payloads.
- The final answer addresses the user's goal and only states figures and names that appear in the tool results or the conversation.
- Call ids are call_1, call_2, ... in order.`

const intent = (item: WorkItem): string => {
  const variation = variationOf(item)
  switch (variation.kind) {
    case "straightforward":
      return "This is the direct path: the assistant states a short plan and makes one or two well-chosen calls before answering."
    case "chained":
      return "The assistant must chain several tools: a concrete value from one tool's result (an id, a figure, a path, a URL) goes into a later call's arguments, so those calls come in separate assistant turns. Before answering, the assistant checks the result it relies on."
    case "trouble":
      switch (variation.trouble) {
        case "tool_error":
          return "One tool call fails: its tool turn holds a realistic error payload. The assistant reads the error, explains it, and changes its approach (different arguments, another tool, or a retry) before answering honestly about what happened."
        case "clarification":
          return "Essential information is missing or ambiguous: the assistant's first reply asks one focused clarifying question and calls no tool. The user then answers in a second user turn, and the conversation continues with the calls and a final answer."
        case "no_tool":
          return "No tool is needed: the assistant answers directly from knowledge or from what the user already gave, calls no tool at all, and says briefly why none is needed."
        default:
          return "Something goes wrong along the way and the assistant handles it."
      }
  }
}

/**
 * The user prompt: the scenario, the variation's intent, a persona, and the tools as OpenAI definitions.
 * Joined with `+` rather than `Array.join`: the tools' text (most of the prompt, the same for every item
 * of a scenario) is then referenced, not copied, until the request is serialised.
 */
export const userPrompt = (item: WorkItem, tools: ReadonlyArray<ToolDefinition>, typeDescription: string | undefined, attempt: number): string => {
  const variation = variationOf(item)
  const seed = item.seed + attempt * 7919
  return `Scenario type: ${item.scenario.type}${typeDescription === undefined ? "" : ` (${typeDescription})`}` +
    `\n\nScenario: ${item.scenario.title} (${item.scenario.domain})` +
    `\n\nUser's goal: ${item.scenario.goal}` +
    `\n\nThe user's opening request (rephrase it in their voice, keep every specific): ${variation.request}` +
    `\n\nWhat a good conversation does: ${variation.expect}` +
    `\n\n${intent(item)}` +
    `\n\nThe user is ${pick(PERSONAS, seed, 1)}; the assistant's tone is ${pick(TONES, seed, 2)}. ${pick(DETAIL, seed, 3)}` +
    `\n\nTools available (OpenAI function definitions):\n` + jsonOnce(tools) +
    `\n\nWrite the conversation now as the JSON object described, with nothing before or after it.`
}

/**
 * The request for one sample of a work item: the same prompt for the same item and attempt, a new
 * sample (seed, persona) for each further attempt. JSON mode is asked for; the provider stage drops
 * it where a provider would refuse it.
 */
export const buildRequest = (
  item: WorkItem,
  tools: ReadonlyArray<ToolDefinition>,
  options: { readonly temperature: number; readonly maxTokens: number; readonly typeDescription?: string | undefined; readonly attempt: number }
): ChatRequest => ({
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: userPrompt(item, tools, options.typeDescription, options.attempt) }
  ],
  response_format: { type: "json_object" },
  temperature: options.temperature,
  seed: (item.seed + options.attempt) % 2_147_483_647,
  max_tokens: options.maxTokens
})
