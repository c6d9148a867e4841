import type { ReportData } from "./collect.js"
import { providerFigures, throughputText } from "./figures.js"
import { renderTable } from "./table.js"

/** Figures right-aligned after the first column, nothing cut. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  renderTable(header, rows, { maxWidth: Infinity, alignRight: header.map((_, i) => i).slice(1) })

const pct = (n: number, of: number) => (of === 0 ? "–" : `${((n / of) * 100).toFixed(1)}%`)
const sorted = (counts: Readonly<Record<string, number>>) => Object.entries(counts).sort((a, b) => b[1] - a[1])

/** The report as terminal tables: the numbers to check before training. */
export const reportText = (r: ReportData): string => {
  const sections: Array<string> = [`report of ${r.dir}${r.manifest === undefined ? "" : ` (run ${r.manifest.run_id}, ${r.manifest.status})`}`]
  const top = r.funnel[0]!.count
  sections.push("funnel\n" + table(["stage", "count", "of planned"], r.funnel.map((f) => [f.stage, String(f.count), pct(f.count, top)])))
  sections.push(
    "by type\n" +
      table(
        ["type", "accepted", "rejected", "failed", "acceptance"],
        Object.entries(r.byType).map(([t, c]) => [t, String(c.accepted), String(c.rejected), String(c.failed), pct(c.accepted, c.accepted + c.rejected + c.failed)])
      )
  )
  const scenarios = sorted(r.byScenario)
  if (scenarios.length > 0) {
    // Coverage shows at both ends: the most and the fewest conversations per scenario.
    const shown = scenarios.length <= 15 ? scenarios : [...scenarios.slice(0, 10), ["…", `${scenarios.length - 15} more (--json)`] as const, ...scenarios.slice(-5)]
    sections.push(
      `accepted per scenario (${scenarios.length} scenario${scenarios.length === 1 ? "" : "s"}${scenarios.length > 15 ? "; the 10 most and the 5 fewest" : ""})\n` +
        table(["scenario", "accepted"], shown.map(([k, n]) => [k, String(n)]))
    )
  }
  if (r.meanQuality !== undefined) {
    sections.push(
      `quality: mean ${r.meanQuality.toFixed(3)}\n` +
        table(["band", "conversations"], r.qualityHistogram.map((n, i) => [`${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`, String(n)])) +
        "\n\n" + table(["dimension", "mean"], Object.entries(r.dimensionMeans).map(([d, m]) => [d, m.toFixed(3)]))
    )
  }
  const counted = (title: string, counts: Readonly<Record<string, number>>, header: string) =>
    Object.keys(counts).length === 0 ? undefined : `${title}\n${table([header, "count"], sorted(counts).map(([k, n]) => [k, String(n)]))}`
  for (
    const section of [
      counted("complexity", r.complexity, "complexity"),
      counted("agentic patterns (accepted conversations showing each)", r.patterns, "pattern"),
      counted("tool calls per tool", r.callsPerTool, "tool"),
      counted("calls per conversation", r.callsPerConversation, "calls"),
      counted("turns per conversation", r.turnsPerConversation, "turns"),
      counted("rejection reasons", r.rejections, "reason"),
      counted("failure reasons", r.failures, "reason")
    ]
  ) if (section !== undefined) sections.push(section)
  const providers = providerFigures(r)
  if (providers !== undefined) {
    sections.push(
      `providers (${providers.over})\n` +
        table(
          ["provider", "model", "requests", "retries", "429s", "prompt tokens", "completion tokens"],
          providers.rows.map((p) => [p.provider, p.model, String(p.requests), String(p.retries ?? 0), String(p.rate_limited), String(p.prompt_tokens), String(p.completion_tokens)])
        )
    )
  }
  const throughput = throughputText(r)
  if (throughput !== undefined) sections.push(`throughput: ${throughput}`)
  return sections.join("\n\n")
}
