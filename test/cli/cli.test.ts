import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { runCliWith } from "../support/cli.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version
/** An environment with an output directory in the temp dir, so nothing is probed in the checkout. */
const env = (extra: Record<string, string> = {}) => ({ AGENTIC_SYNTH_OUTPUT: dir.path("run"), ...extra })

describe("agentic-synth", () => {
  it.effect("--help lists the commands", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["--help"])
      expect(result.code).toBe(0)
      for (const command of ["scenarios", "plan", "validate"]) expect(result.stdout).toContain(`- ${command}`)
    }))

  it.effect("--version prints the package version", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["--version"])
      expect(result.code).toBe(0)
      expect(result.stdout.trim()).toBe(version)
    }))

  it.effect("an unknown command or flag is one error and exit 2", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["scenarios", "--colour"])
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/--colour/)
    }))
})

describe("scenarios", () => {
  it.effect("prints the catalogue as a table with a summary", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["scenarios"], env())
      expect(result.code).toBe(0)
      const lines = result.stdout.split("\n")
      expect(lines[0]).toMatch(/^type\s+id\s+title\s+tools\s+v3 trouble$/)
      expect(lines.filter((l) => /^tool_usage\s/.test(l))).toHaveLength(8)
      expect(result.stdout).toContain("64 scenarios × 3 variations = 192 variations in 8 types; 8 tools.")
    }))

  it.effect("--types filters and --json gives every variation", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["scenarios", "--types", "web_research", "--json"], env())
      expect(result.code).toBe(0)
      const scenarios = JSON.parse(result.stdout) as Array<{ type: string; variations: Array<{ kind: string }> }>
      expect(scenarios).toHaveLength(8)
      expect(scenarios.every((s) => s.type === "web_research" && s.variations.length === 3)).toBe(true)
    }))

  it.effect("an unknown --types entry is one line and exit 2", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["scenarios", "--types", "tool_use"], env())
      expect(result.code).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr).toBe(`error: unknown scenario type "tool_use" in --types (did you mean tool_usage?); choose from: ` +
        "tool_usage, multi_step_reasoning, error_handling, code_debugging, data_analysis, web_research, api_integration, problem_solving")
    }))

  it.effect("a broken config is one line and exit 2", () =>
    Effect.gen(function*() {
      const file = dir.write("bad.yaml", "generation:\n  max_items: -3\n")
      const result = yield* runCliWith(["scenarios", "--config", file], env())
      expect(result.code).toBe(2)
      expect(result.stderr).toBe(`error: ${file}:2:14: generation.max_items: expected a positive integer, got -3`)
    }))

  it.effect("a catalogue file with a duplicate id is one line and exit 2", () =>
    Effect.gen(function*() {
      const scenario = readFileSync("scenarios/web_research.yaml", "utf8")
      dir.write("dup/again.yaml", scenario)
      const file = dir.write("dup.yaml", `catalog:\n  dirs: [${dir.path("dup")}]\n`)
      const result = yield* runCliWith(["scenarios", "-c", file], env())
      expect(result.code).toBe(2)
      expect(result.stderr.split("\n")).toHaveLength(1)
      expect(result.stderr).toMatch(/^error: .*again\.yaml:\d+:\d+: scenario web_research\/\S+ is already defined at .*web_research\.yaml:\d+:\d+; give one of them another id$/)
    }))
})

describe("plan", () => {
  it.effect("prints items per type; 50 items cover all 8 types", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["plan", "--max-items", "50"], env())
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^tool_usage\s+7\s+7\s+3\s+2\s+2$/m)
      expect(result.stdout).toMatch(/^problem_solving\s+6\s+6\s+2\s+2\s+2$/m)
      expect(result.stdout).toContain("50 work items, seed 42.")
    }))

  it.effect("--json gives one item a line; shards split the job with no overlap", () =>
    Effect.gen(function*() {
      const ids = (out: string) => out.trim().split("\n").map((line) => (JSON.parse(line) as { id: string }).id)
      const whole = ids((yield* runCliWith(["plan", "-n", "30", "--json"], env())).stdout)
      expect(whole).toHaveLength(30)
      const shards: Array<string> = []
      for (const shard of ["1/3", "2/3", "3/3"]) {
        const result = yield* runCliWith(["plan", "-n", "30", "--shard", shard, "--json"], env())
        expect(result.code).toBe(0)
        shards.push(...ids(result.stdout))
      }
      expect(shards.sort()).toEqual([...whole].sort())
    }))

  it.effect("--types and --seed shape the plan", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["plan", "-n", "4", "--types", "code_debugging, data_analysis", "--seed", "7", "--json"], env())
      const items = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; seed: number })
      expect(items.map((i) => i.type)).toEqual(["code_debugging", "data_analysis", "code_debugging", "data_analysis"])
      const other = yield* runCliWith(["plan", "-n", "4", "--types", "code_debugging,data_analysis", "--json"], env())
      expect(other.stdout).not.toEqual(result.stdout)
    }))

  for (const [args, message] of [
    [["--max-items", "0"], "error: --max-items: expected a positive integer, got 0"],
    [["--max-items=-3"], "error: --max-items: expected a positive integer, got -3"],
    [["--max-items", "-3"], "error: --max-items: expected a positive integer, got -3"],
    [["--max-items", "abc"], `error: --max-items: expected a positive integer, got "abc"`],
    [["--max-items", "2.5"], "error: --max-items: expected a positive integer, got 2.5"],
    [["--seed", "x"], `error: --seed: expected an integer >= 0, got "x"`],
    [["--shard", "3/2"], `error: --shard: expected i/n with 1 <= i <= n, got "3/2"`],
    [["--shard", "0/3"], `error: --shard: expected i/n with 1 <= i <= n, got "0/3"`],
    [["--types", "tool_usage,nope"], `error: unknown scenario type "nope" in --types; choose from: `]
  ] as const) {
    it.effect(`refuses ${args.join(" ")} with one line and exit 2`, () =>
      Effect.gen(function*() {
        const result = yield* runCliWith(["plan", ...args], env())
        expect(result.code).toBe(2)
        expect(result.stdout).toBe("")
        expect(result.stderr.split("\n")).toHaveLength(1)
        expect(result.stderr.startsWith(message)).toBe(true)
      }))
  }
})

describe("validate", () => {
  it.effect("passes with a key set, showing each check", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["validate"], env({ GROQ_API_KEY: "gsk_test_secret_value" }))
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/✔\s+config\s+built-in defaults/)
      expect(result.stdout).toMatch(/✔\s+catalogue\s+8 types, 64 scenarios, 192 variations, 8 tools/)
      expect(result.stdout).toMatch(/✔\s+output\s+.*\(will be created\)/)
      expect(result.stdout).toMatch(/✔\s+groq\s+openai\/gpt-oss-120b at https:\/\/api\.groq\.com\/openai\/v1, key in GROQ_API_KEY/)
      expect(result.stdout).toMatch(/–\s+together\s+not configured \(optional\)\s+set TOGETHER_API_KEY/)
      expect(result.stdout).toMatch(/✔\s+provider\s+auto → groq/)
      expect(result.stdout).not.toContain("gsk_test_secret_value")
      expect(result.stdout).toContain("checks passed, 0 failed")
    }))

  it.effect("accepts HUGGINGFACE_API_KEY for Hugging Face and a local server by its base URL", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["validate"], env({ HUGGINGFACE_API_KEY: "hf_x", OLLAMA_BASE_URL: "http://127.0.0.1:11434/v1" }))
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/✔\s+provider\s+auto → huggingface, ollama/)
      expect(result.stdout).toContain("key in HUGGINGFACE_API_KEY")
    }))

  it.effect("fails with a fix when no provider is available", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["validate"], env())
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/✘\s+provider\s+no provider available\s+set a key such as GROQ_API_KEY \(free key: console\.groq\.com\/keys\)/)
      expect(result.stderr).toBe("error: 1 check failed; see the fix column above")
    }))

  it.effect("fails when the chosen provider has no key", () =>
    Effect.gen(function*() {
      const result = yield* runCliWith(["validate"], env({ GROQ_API_KEY: "k", AGENTIC_SYNTH_PROVIDER: "together" }))
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/✘\s+provider\s+together is not configured\s+set TOGETHER_API_KEY/)
    }))

  it.effect("reports a broken config as a failed check and still checks the rest", () =>
    Effect.gen(function*() {
      const file = dir.write("typo.yaml", "qualty:\n  min_score: 0.5\n")
      const result = yield* runCliWith(["validate", "--config", file], env({ GROQ_API_KEY: "k" }))
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/✘\s+config\s+.*typo\.yaml:1:1: unknown key qualty \(did you mean quality\?\)/)
      expect(result.stdout).toMatch(/–\s+catalogue\s+not checked: the config is invalid/)
      expect(result.stdout).toMatch(/✔\s+groq/)
    }))

  it.effect("checks the config's types against the catalogue, as generate will", () =>
    Effect.gen(function*() {
      const file = dir.write("types-typo.yaml", "generation:\n  types: [web_reserch]\n")
      const result = yield* runCliWith(["validate", "--config", file], env({ GROQ_API_KEY: "k" }))
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/✘\s+catalogue\s+unknown scenario type "web_reserch" in generation\.types \(did you mean web_research\?\)/)
      expect(result.stdout).toMatch(/correct generation\.types in the config/)
    }))

  it.effect("fails when the output directory cannot be written", () =>
    Effect.gen(function*() {
      const file = dir.write("not-a-dir", "x")
      const result = yield* runCliWith(["validate"], env({ GROQ_API_KEY: "k", AGENTIC_SYNTH_OUTPUT: `${file}/run` }))
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/✘\s+output\s+.*not-a-dir is not a directory/)
    }))
})
