/**
 * `npm run bench`: every benchmark, ratios measured in one run, results in bench/results/latest.json.
 * Options: --seconds N (length of each limit run, default 120).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { limitScenarios, runLimitScenario } from "./limits.js"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const seconds = arg("seconds", 120)
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
console.log(`agentic-synth benchmarks on ${machine}`)
console.log(`limit runs: ${seconds} s each, run side by side\n`)

const limits = await Promise.all(limitScenarios(seconds).map(runLimitScenario))
for (const r of limits) {
  console.log(
    `${r.name}: achieved ${r.achieved} of ${r.allowed} allowed = ${(r.utilisation * 100).toFixed(1)}%, ` +
      `429s ${r.answered429} of ${r.sent} sent = ${(r.share429 * 100).toFixed(2)}%` +
      (r.perProvider.length > 1 ? ` (${r.perProvider.map((p) => `${p.flavor} ${p.achieved}/${(p.rpm * seconds) / 60}`).join(", ")})` : "")
  )
}

mkdirSync("bench/results", { recursive: true })
writeFileSync(
  "bench/results/latest.json",
  JSON.stringify({ date: new Date().toISOString(), machine, limits }, null, 2) + "\n"
)
console.log("\nwritten to bench/results/latest.json")
