import { writeSync } from "node:fs"
import type { Reporter, TestModule } from "vitest/node"

/**
 * Ends every run with `N passed, N failed` (and skipped) on a line of its own, the closing line CI
 * reads. Unhandled errors and modules that failed to load count as failures.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    let passed = 0
    let failed = unhandledErrors.length
    let skipped = 0
    for (const module of modules) {
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) failed++
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
    }
    const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`
    // Printed at exit, after the default reporter's own summary, so it is the last line.
    process.once("exit", () => writeSync(1, `\n${line}\n`))
  }
}
