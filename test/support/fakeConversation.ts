/**
 * Writes a valid conversation for whatever the generator's prompt asks, as a model would: it reads
 * the tool definitions from the prompt and fills in arguments that satisfy their schemas.
 */

type JsonSchema = {
  type?: string | Array<string>
  enum?: Array<unknown>
  properties?: Record<string, JsonSchema>
  required?: Array<string>
  items?: JsonSchema
  minimum?: number
  pattern?: string
  format?: string
}

interface Tool {
  type: "function"
  function: { name: string; description: string; parameters: JsonSchema }
}

const STRINGS: Record<string, string> = {
  file_path: "reports/2024/sales_q1.csv",
  path: "reports/2024/sales_q1.csv",
  url: "https://api.northwind-retail.io/v2/orders?status=open",
  query: "SELECT region, SUM(revenue) AS revenue FROM orders GROUP BY region",
  database: "analytics_prod",
  code: "import statistics\nprint(statistics.mean([48210, 41375, 39980]))",
  expression: "(48210 - 41375) / 41375 * 100",
  language: "python",
  subject: "Q1 revenue summary",
  body: "Hi Dana, Q1 revenue came to $48,210, up 16.5% on Q4. Full breakdown attached."
}

const valueFor = (name: string, schema: JsonSchema): unknown => {
  if (schema.enum !== undefined) return schema.enum[0]
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case "integer":
    case "number":
      return Math.max(schema.minimum ?? 1, 5)
    case "boolean":
      return true
    case "array":
      return [schema.items?.format === "email" ? "dana.okafor@northwind-retail.io" : valueFor(name, schema.items ?? { type: "string" })]
    case "object":
      return {}
    default:
      if (schema.format === "email") return "dana.okafor@northwind-retail.io"
      return STRINGS[name] ?? `northwind ${name.replace(/_/g, " ")} 2024`
  }
}

export const argumentsFor = (tool: Tool): Record<string, unknown> => {
  const schema = tool.function.parameters
  return Object.fromEntries((schema.required ?? []).map((key) => [key, valueFor(key, schema.properties?.[key] ?? {})]))
}

/** The tool definitions the prompt lists. */
export const toolsInPrompt = (prompt: string): Array<Tool> => {
  const match = /Tools available \(OpenAI function definitions\):\n(\[.*\])\n/.exec(prompt)
  return match === null ? [] : (JSON.parse(match[1]!) as Array<Tool>)
}

/** A conversation answering the generator's request: `{"turns": [...]}` as text. */
export const fakeConversation = (body: Record<string, unknown>): string => {
  const messages = body["messages"] as Array<{ role: string; content: string }>
  const prompt = messages.find((m) => m.role === "user")?.content ?? ""
  const tools = toolsInPrompt(prompt)
  const request = /The user's opening request[^:]*: (.*)/.exec(prompt)?.[1] ?? "Please help me with the quarterly numbers."
  const noTool = prompt.includes("No tool is needed")
  const tool = tools[0]
  const turns: Array<Record<string, unknown>> = [{ role: "user", content: request }]
  if (noTool || tool === undefined) {
    turns.push({ role: "assistant", content: "No tool is needed here: the figures you gave are enough. Q1 revenue rose 16.5% from $41,375 to $48,210." })
  } else {
    turns.push({
      role: "assistant",
      content: `First I'll use ${tool.function.name} to get the data, then I'll summarise it for you.`,
      tool_calls: [{ id: "call_1", type: "function", function: { name: tool.function.name, arguments: JSON.stringify(argumentsFor(tool)) } }]
    })
    turns.push({ role: "tool", tool_call_id: "call_1", name: tool.function.name, content: JSON.stringify({ rows: 1240, revenue_total: 48210, top_region: "EMEA" }) })
    turns.push({ role: "assistant", content: "The data shows 1,240 rows with total revenue of $48,210; EMEA is the top region." })
  }
  return JSON.stringify({ turns })
}
