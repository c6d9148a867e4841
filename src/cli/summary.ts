import type { Outcome } from "../domain/Outcome.js"
import type { Progress } from "../sink/runGeneration.js"
import { duration } from "./progress.js"
import { renderTable } from "../report/table.js"

/** One line per item for --verbose. */
export const outcomeText = (outcome: Outcome): string =>
  outcome._tag === "accepted"
    ? `accepted ${outcome.conversation.id} (${outcome.conversation.provenance.provider}, ${outcome.conversation.turns.length} turns)`
    : outcome._tag === "rejected"
    ? `rejected ${outcome.id}: ${outcome.rejection.reason}: ${outcome.rejection.message}`
    : `failed   ${outcome.id}: ${outcome.error.reason}: ${outcome.error.message}`

const percent = (part: number, whole: number) => (whole === 0 ? "–" : `${((part / whole) * 100).toFixed(1)}%`)

/** The end-of-run summary: counts by type, rates, quality, tokens per provider, elapsed time, the files. */
export const summaryText = (p: Progress): string => {
  const done = p.accepted + p.rejected + p.failed
  const types = Object.entries(p.byType).map(([type, c]) => [
    type,
    String(c.accepted),
    String(c.rejected),
    String(c.failed),
    percent(c.accepted, c.accepted + c.rejected + c.failed)
  ])
  const lines: Array<string> = []
  if (types.length > 0) {
    lines.push(renderTable(["type", "accepted", "rejected", "failed", "acceptance"], types, { alignRight: [1, 2, 3, 4] }), "")
  }
  lines.push(
    `items: ${p.planned} planned, ${p.skipped} already done, ${done} generated now: ` +
      `${p.accepted} accepted, ${p.rejected} rejected, ${p.failed} failed${p.remaining > 0 ? `, ${p.remaining} not reached` : ""}`,
    `acceptance rate: ${percent(p.accepted, done)} · tool-call rate: ${percent(p.withToolCalls, p.accepted)} · ` +
      `mean quality: ${p.scored > 0 ? (p.qualitySum / p.scored).toFixed(3) : p.accepted === 0 ? "– (none accepted in this session)" : "not scored"}`
  )
  if (p.judge !== undefined) {
    const d = p.judge.meanAbsDiff
    lines.push(
      `judge: ${p.judge.reviewed} reviewed, ${p.judge.failed} failed; mean |judge − rules|: ` +
        `reasoning ${d.reasoning.toFixed(2)}, completeness ${d.completeness.toFixed(2)}, naturalness ${d.naturalness.toFixed(2)}`
    )
  }
  const reasons = Object.entries(p.rejections).map(([r, n]) => `${r} ${n}`).join(", ")
  if (reasons !== "") lines.push(`rejections: ${reasons}`)
  const failures = Object.entries(p.failures).map(([r, n]) => `${r} ${n}`).join(", ")
  if (failures !== "") lines.push(`failures: ${failures}`)
  if (p.providers.length > 0) {
    lines.push(
      "",
      renderTable(
        ["provider", "model", "requests", "retries", "429s", "prompt tokens", "completion tokens", "state"],
        p.providers.map((s) => [
          s.provider,
          s.model,
          String(s.stats.requests),
          String(s.stats.retries),
          String(s.stats.rateLimited),
          String(s.stats.promptTokens),
          String(s.stats.completionTokens),
          s.state
        ]),
        { alignRight: [2, 3, 4, 5, 6] }
      )
    )
  }
  lines.push(
    "",
    `elapsed ${duration(p.elapsedMs)} (run ${p.runId})`,
    `dataset:  ${p.files.dataset}`,
    `rejected: ${p.files.rejected}`,
    `failures: ${p.files.failures}`,
    `manifest: ${p.files.manifest}`,
    `next: agentic-synth report ${p.files.dir} --html ${p.files.dir}/report.html`
  )
  if (p.cut.length > 0) lines.push(`cut torn last lines from ${p.cut.join(", ")} (a previous run stopped mid-write)`)
  if (p.setAside !== undefined) lines.push(`older data set aside in ${p.setAside}`)
  return lines.join("\n")
}
