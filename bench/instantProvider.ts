/**
 * The instant in-process provider of the pipeline benchmark: for each request a valid, distinct,
 * six-turn agentic conversation (plan and call, result, reasoning and a second call, result, grounded
 * answer), as a model would write it. Distinct matters: conversations that differ only in their
 * figures are near-duplicates, and a benchmark of those measures the duplicate path, not the pipeline.
 *
 * It must cost next to nothing: one template per prompt shape is written once, split at its slots,
 * and each reply only joins the parts with words and figures drawn from the request's seed.
 */
import type { ChatRequest } from "../src/provider/ChatRequest.js"
import { argumentsFor, toolsInPrompt } from "../test/support/fakeConversation.js"

const REGIONS = ["Lisbon", "Austin", "Osaka", "Leeds", "Porto", "Lyon", "Graz", "Turin", "Cork", "Oslo", "Quito", "Perth", "Dublin", "Malmo", "Tartu", "Bergen", "Ghent", "Split", "Basel", "Aarhus", "Bilbao", "Krakow", "Nantes", "Utrecht", "Dresden", "Seville", "Tampere", "Brno", "Cadiz", "Bremen", "Zurich", "Vigo"]
const PRODUCTS = ["espresso machines", "trail shoes", "desk lamps", "garden hoses", "rain jackets", "yoga mats", "wool scarves", "coffee grinders", "bike helmets", "tea kettles", "camping stoves", "office chairs", "phone cases", "water filters", "board games", "ceramic mugs", "kitchen scales", "travel bags", "smart plugs", "hand tools", "paint rollers", "picture frames", "bath towels", "wall clocks"]
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
const TEAMS = ["finance", "logistics", "marketing", "procurement", "retail", "partnerships", "support", "pricing", "inventory", "growth", "operations", "planning"]
const PEOPLE = ["Dana", "Ravi", "Mei", "Jonas", "Amara", "Tomasz", "Lucia", "Kenji", "Ingrid", "Omar", "Priya", "Felix", "Sanne", "Diego", "Hana", "Marek"]
const TOPICS = ["returns", "margins", "discounts", "stock levels", "late deliveries", "repeat buyers", "freight costs", "refund rates", "basket size", "supplier delays", "promo uplift", "churn"]
const EVENTS = ["board", "quarterly", "budget", "supplier", "pricing", "regional", "weekly", "planning"]

/** A slot marker JSON.stringify leaves as it is (a control character would be escaped). */
const SLOT = "§"
const slot = (k: number) => `${SLOT}${k}${SLOT}`

/** Slot numbers: words first, then figures. */
const S = { region: 0, region2: 1, product: 2, month: 3, team: 4, person: 5, topic: 6, event: 7, rows: 8, total: 9, share: 10, count: 11 } as const

const templateFor = (prompt: string): Array<string> => {
  const tools = toolsInPrompt(prompt)
  const first = tools[0]
  const second = tools[1] ?? first
  const w = (k: number) => slot(k)
  const user = `Can you pull the ${w(S.product)} figures for ${w(S.region)} and ${w(S.region2)} in ${w(S.month)}? ` +
    `The ${w(S.team)} team needs them before the ${w(S.event)} review, and ${w(S.person)} asked for a note on ${w(S.topic)}.`
  const turns: Array<Record<string, unknown>> = [{ role: "user", content: user }]
  if (prompt.includes("No tool is needed") || first === undefined || second === undefined) {
    turns.push({
      role: "assistant",
      content: `No tool is needed: you gave me ${w(S.rows)} orders of ${w(S.product)} in ${w(S.region)} worth ${w(S.total)}, ` +
        `and ${w(S.person)} only wants the ${w(S.topic)} view for the ${w(S.team)} team, which those figures already answer.`
    })
    return JSON.stringify({ turns }).split(SLOT)
  }
  turns.push({
    role: "assistant",
    content: `Plan: first I'll call ${first.function.name} for the ${w(S.product)} data of ${w(S.region)} in ${w(S.month)}, ` +
      `then use ${second.function.name} on what it returns to work out the ${w(S.topic)} share for ${w(S.person)}.`,
    tool_calls: [{ id: "call_1", type: "function", function: { name: first.function.name, arguments: JSON.stringify(argumentsFor(first)) } }]
  })
  turns.push({
    role: "tool",
    tool_call_id: "call_1",
    name: first.function.name,
    content: JSON.stringify({ rows: w(S.rows), revenue_total: w(S.total), region: w(S.region), product: w(S.product), owner: w(S.person) })
  })
  turns.push({
    role: "assistant",
    content: `${w(S.region)} shows ${w(S.rows)} rows and ${w(S.total)} in revenue for ${w(S.product)}. ` +
      `Next I need the ${w(S.topic)} split, so I'll run ${second.function.name} on that extract.`,
    tool_calls: [{ id: "call_2", type: "function", function: { name: second.function.name, arguments: JSON.stringify(argumentsFor(second)) } }]
  })
  turns.push({
    role: "tool",
    tool_call_id: "call_2",
    name: second.function.name,
    content: JSON.stringify({ topic: w(S.topic), share_pct: w(S.share), orders_flagged: w(S.count), compared_with: w(S.region2) })
  })
  turns.push({
    role: "assistant",
    content: `For ${w(S.month)} in ${w(S.region)}, ${w(S.product)} had ${w(S.rows)} rows and ${w(S.total)} in revenue. ` +
      `${w(S.topic)} account for ${w(S.share)}% of it (${w(S.count)} orders flagged), ahead of ${w(S.region2)}; ` +
      `I can draft the note for ${w(S.person)} and the ${w(S.team)} team before the ${w(S.event)} review.`
  })
  // Figures are written as JSON numbers in tool results: drop the quotes around their slots.
  return JSON.stringify({ turns }).replace(/"(§(?:8|9|10|11)§)"/g, "$1").split(SLOT)
}

const templates = new Map<string, Array<string>>()

/** A valid conversation for the request, its words and figures drawn from the request's seed. */
export const instantReply = (request: ChatRequest): string => {
  const prompt = String(request.messages[1]?.content ?? "")
  const key = prompt.slice(prompt.indexOf("Tools available")) + (prompt.includes("No tool is needed") ? "!" : "")
  let parts = templates.get(key)
  if (parts === undefined) {
    parts = templateFor(prompt)
    templates.set(key, parts)
  }
  let x = (request.seed ?? 0) >>> 0
  const next = (n: number) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return (x >>> 8) % n
  }
  const region = next(REGIONS.length)
  const values = [
    REGIONS[region]!,
    REGIONS[(region + 1 + next(REGIONS.length - 1)) % REGIONS.length]!,
    PRODUCTS[next(PRODUCTS.length)]!,
    MONTHS[next(MONTHS.length)]!,
    TEAMS[next(TEAMS.length)]!,
    PEOPLE[next(PEOPLE.length)]!,
    TOPICS[next(TOPICS.length)]!,
    EVENTS[next(EVENTS.length)]!,
    String(100 + next(9_000)),
    String(10_000 + next(900_000)),
    `${1 + next(60)}.${next(10)}`,
    String(2 + next(90))
  ]
  let out = parts[0]!
  for (let i = 1; i < parts.length; i += 2) out += values[Number(parts[i])]! + parts[i + 1]!
  return out
}
