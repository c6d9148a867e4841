import { describe, expect, it } from "vitest"
import { existsSync } from "node:fs"
import { spawnCli } from "../support/spawnCli.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()

describe("the agentic-synth process", async () => {
  it.concurrent("answers --help with no key and no config", async () => {
    const result = await spawnCli(["--help"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("scenarios")
    expect(result.stderr).toBe("")
    // Into a pipe, help is plain text: no colour codes.
    expect(result.stdout).not.toMatch(/\x1b\[/)
  })

  it.concurrent("a misspelt flag is one error line with the fix, exit 2", async () => {
    const result = await spawnCli(["generate", "--max-item", "5"])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe("error: unknown option --max-item (did you mean --max-items?); see agentic-synth generate --help\n")
  })

  it.concurrent("refuses bad input with one line on stderr, exit 2 and no stack trace", async () => {
    const result = await spawnCli(["plan", "--shard", "3/2"])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe(`error: --shard: expected i/n with 1 <= i <= n, got "3/2"\n`)
  })

  it.concurrent("names a missing config file, exits 2 and writes nothing", async () => {
    const result = await spawnCli(["validate", "--config", "missing.yaml"], { AGENTIC_SYNTH_OUTPUT: dir.path("out") }, dir.root)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/✘\s+config\s+config file missing\.yaml not found; check the --config path/)
    const plan = await spawnCli(["plan", "--config", "missing.yaml"], {}, dir.root)
    expect(plan.code).toBe(2)
    expect(plan.stderr).toBe("error: config file missing.yaml not found; check the --config path (or AGENTIC_SYNTH_CONFIG)\n")
    expect(plan.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/)
    expect(existsSync(dir.path("out"))).toBe(false)
  })
})
