import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { Conversation } from "../../src/domain/Conversation.js"
import { makeAssessor } from "../../src/quality/Scorer.js"
import { loadFrom } from "../support/catalogFixtures.js"
import { runCliWith } from "../support/cli.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const CHROMIUM = "/usr/bin/chromium"

/** A run directory made from the calibration set: scored good ones accepted, a few rejections, a failure. */
const makeRun = async () => {
  const catalog = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))
  const assess = makeAssessor(DEFAULT_CONFIG.quality, catalog)
  const records: Array<Conversation> = readdirSync("test/fixtures/calibration").filter((f) => f.startsWith("good-")).sort()
    .map((f) => assess(JSON.parse(readFileSync(`test/fixtures/calibration/${f}`, "utf8")).record))
  const run = dir.path(`run-${Math.random().toString(36).slice(2)}`)
  dir.write(`${run.slice(dir.root.length + 1)}/dataset.jsonl`, records.map((r) => JSON.stringify(r)).join("\n") + "\n")
  const flawed = assess(JSON.parse(readFileSync("test/fixtures/calibration/flawed-unanswered-vat-keyerror.json", "utf8")).record)
  writeFileSync(`${run}/rejected.jsonl`, [
    JSON.stringify({ id: flawed.id, rejection: { reason: "BelowThreshold", message: "quality 0.62 is below the minimum 0.7", score: 0.62 }, conversation: flawed }),
    JSON.stringify({ id: "web_research/x/v1/s0", rejection: { reason: "InvalidJson", message: "no conversation JSON in the output" }, raw: "Sure! <b>Here</b> you go." }),
    JSON.stringify({ id: "tool_usage/y/v2/s0", rejection: { reason: "Duplicate", message: "a copy of z", duplicate_of: "z" } })
  ].join("\n") + "\n")
  writeFileSync(`${run}/failures.jsonl`, JSON.stringify({ id: "data_analysis/z/v3/s0", error: { _tag: "ProviderError", provider: "groq", reason: "Unavailable", message: "groq is unavailable (503)" }, attempts: 4 }) + "\n")
  return { run, records }
}

describe("report", () => {
  it("prints the funnel, types, quality, patterns, tools and reasons, changing nothing", async () => {
    const { records, run } = await makeRun()
    const before = readFileSync(`${run}/dataset.jsonl`, "utf8")
    const result = await Effect.runPromise(runCliWith(["report", run]))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^generated\s+22\s/m)
    expect(result.stdout).toMatch(new RegExp(`^valid\\s+${records.length + 2}\\s`, "m")) // accepted + the below-threshold + the duplicate
    expect(result.stdout).toMatch(new RegExp(`^above threshold\\s+${records.length + 1}\\s`, "m"))
    expect(result.stdout).toMatch(new RegExp(`^unique \\(kept\\)\\s+${records.length}\\s`, "m"))
    expect(result.stdout).toMatch(/^InvalidJson\s+1$/m)
    expect(result.stdout).toMatch(/^Unavailable\s+1$/m)
    expect(result.stdout).toMatch(/^multi_tool_chaining\s+\d+$/m)
    expect(readFileSync(`${run}/dataset.jsonl`, "utf8")).toBe(before)
  })

  it("--json gives the figures, --html one self-contained page", async () => {
    const { records, run } = await makeRun()
    const json = await Effect.runPromise(runCliWith(["report", run, "--json"]))
    const figures = JSON.parse(json.stdout)
    expect(figures.accepted).toBe(records.length)
    expect(figures.qualityHistogram.reduce((a: number, b: number) => a + b, 0)).toBe(records.length)
    expect(figures.rejections).toEqual({ BelowThreshold: 1, InvalidJson: 1, Duplicate: 1 })
    const page = `${run}/report.html`
    const result = await Effect.runPromise(runCliWith(["report", run, "--html", page]))
    expect(result.stdout).toContain(`HTML report: ${page}`)
    const html = readFileSync(page, "utf8")
    // nothing to fetch: no scripts, stylesheets, images or fonts from anywhere
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|@import|url\(/i)
    expect(html).toContain("&lt;b&gt;Here&lt;/b&gt;") // model output is escaped, never rendered
  })

  it("refuses a directory without a run", async () => {
    const result = await Effect.runPromise(runCliWith(["report", dir.path("none")]))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/has no dataset\.jsonl; give a run directory that generate wrote$/)
  })
})

describe("the HTML report in a browser", () => {
  const available = existsSync(CHROMIUM)
  if (!available) console.warn(`skipping the browser test: no ${CHROMIUM} (apt-get install -y chromium installs it)`)

  it.skipIf(!available)("shows the charts and the sample conversations with the right counts, offline", async () => {
    const { chromium } = await import("playwright-core")
    const { records, run } = await makeRun()
    const page = `${run}/report.html`
    expect((await Effect.runPromise(runCliWith(["report", run, "--html", page]))).code).toBe(0)
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    try {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const requests: Array<string> = []
      tab.on("request", (request) => requests.push(request.url()))
      await tab.goto(`file://${page}`)
      expect(await tab.locator("[data-chart]").count()).toBeGreaterThanOrEqual(12)
      const quality = await tab.locator("[data-chart=quality] [data-bar]").evaluateAll((bars) => bars.reduce((n, b) => n + Number(b.getAttribute("data-value")), 0))
      expect(quality).toBe(records.length)
      expect(await tab.locator("[data-chart=funnel] [data-bar]").count()).toBe(5)
      // Each scenario's label is drawn whole and inside the chart (ids run to 40 characters).
      for (const bar of await tab.locator("[data-chart=scenarios] [data-bar]").all()) {
        const label = bar.locator("text").first()
        expect((await label.textContent())!.endsWith(await bar.getAttribute("data-bar") as string)).toBe(true)
        const box = (await label.boundingBox())!
        const chart = (await tab.locator("[data-chart=scenarios] svg").boundingBox())!
        expect(box.x).toBeGreaterThanOrEqual(chart.x - 0.5)
      }
      expect(await tab.locator("[data-card=accepted] b").textContent()).toBe(String(records.length))
      const types = new Set(records.map((r) => r.scenario.type)).size
      expect(await tab.locator("[data-samples=accepted] details.conversation").count()).toBe(Math.min(records.length, 2 * types))
      expect(await tab.locator("[data-samples=rejected] details.conversation").count()).toBe(3)
      await tab.locator("[data-samples=accepted] details.conversation").first().locator("summary").click()
      expect(await tab.locator("[data-samples=accepted] details[open] .bubble.user").count()).toBeGreaterThan(0)
      expect(await tab.locator("[data-samples=accepted] details[open] pre.call").count()).toBeGreaterThan(0)
      await tab.screenshot({ path: `${run}/report.png`, fullPage: false })
      expect(existsSync(`${run}/report.png`)).toBe(true)
      expect(requests.every((url) => url.startsWith("file://"))).toBe(true)
    } finally {
      await browser.close()
    }
  })
})

describe("report --html to a path that cannot be written", () => {
  it("is one error line before any report, and nothing else is printed", async () => {
    const { run } = await makeRun()
    const result = await Effect.runPromise(runCliWith(["report", run, "--html", dir.path("no-such-dir", "r.html")]))
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(/^error: cannot write --html .*no-such-dir\/r\.html \(NotFound: its directory does not exist\); choose another --html path$/)
  })
})

describe("report across sessions", () => {
  it("sums every session's provider figures and counts throughput over the minutes worked", async () => {
    const { startFakeProvider } = await import("../support/fakeProvider.js")
    const { fakeConversation } = await import("../support/fakeConversation.js")
    const { fastConfig } = await import("../support/runFixture.js")
    const fake = await startFakeProvider({ flavor: "plain", reply: (body) => ({ content: fakeConversation(body) }) })
    try {
      const config = dir.write("sessions.yaml", fastConfig())
      const run = dir.path("two-sessions")
      const env = { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-test" }
      for (const n of ["4", "7"]) expect((await Effect.runPromise(runCliWith(["generate", "-c", config, "-o", run, "-n", n, "--provider", "openai", "--quiet"], env))).code).toBe(0)
      const manifest = JSON.parse(readFileSync(`${run}/run.json`, "utf8"))
      const requests = fake.chatRequests().length
      expect(manifest.providers[0].requests).toBeLessThan(requests)
      expect(manifest.providers_total[0].requests).toBe(requests)
      const result = await Effect.runPromise(runCliWith(["report", run]))
      expect(result.stdout).toMatch(/^providers \(all 2 sessions\)/m)
      expect(result.stdout).toMatch(/^throughput: 7 accepted in \d+ s$/m)
      expect(result.stdout).toMatch(/^accepted per scenario \(7 scenarios\)\n/m)
    } finally {
      await fake.close()
    }
  })
})
