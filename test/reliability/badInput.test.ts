import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { cpSync, existsSync, writeFileSync } from "node:fs"
import { runCliWith } from "../support/cli.js"
import { fakeConversation } from "../support/fakeConversation.js"
import { startFakeProvider } from "../support/fakeProvider.js"
import { fastConfig, jsonlLines, treeHash } from "../support/runFixture.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()
const fake = await startFakeProvider({ flavor: "groq", key: "gsk_right_key_42", reply: (body) => ({ content: fakeConversation(body) }) })
afterAll(() => fake.close())
const config = dir.write("config.yaml", fastConfig())
const env = { GROQ_API_KEY: "gsk_right_key_42", GROQ_BASE_URL: fake.url }
const run = dir.path("existing")
const cli = (args: ReadonlyArray<string>, environment: Record<string, string> = env) => Effect.runPromise(runCliWith(args, environment))

beforeAll(async () => {
  expect((await cli(["generate", "-c", config, "-o", run, "-n", "6", "--quiet"])).code).toBe(0)
})

/** A fresh copy of the existing run, for cases that damage it first. */
let copies = 0
const copyOfRun = () => {
  const copy = dir.path(`copy-${++copies}`)
  cpSync(run, copy, { recursive: true })
  return copy
}

type Case = readonly [name: string, exit: number, message: RegExp, args: () => { args: Array<string>; env?: Record<string, string>; watch?: string }]

const cases: ReadonlyArray<Case> = [
  ["a missing config file", 2, /^error: config file .*nope\.yaml not found; check the --config path/, () => ({ args: ["generate", "-c", dir.path("nope.yaml"), "-o", run] })],
  ["invalid YAML", 2, /^error: .*broken\.yaml:\d+:\d+: invalid YAML: .*; fix the syntax there$/, () => ({ args: ["generate", "-c", dir.write("broken.yaml", "generation: [1, 2\n"), "-o", run] })],
  ["an unknown config key", 2, /^error: .*typo\.yaml:1:1: unknown key generaton \(did you mean generation\?\)/, () => ({ args: ["generate", "-c", dir.write("typo.yaml", "generaton:\n  seed: 1\n"), "-o", run] })],
  ["a wrong type in the config", 2, /^error: .*type\.yaml:2:9: generation\.seed: expected an integer >= 0, got "x"$/, () => ({ args: ["generate", "-c", dir.write("type.yaml", "generation:\n  seed: x\n"), "-o", run] })],
  ["--max-items 0", 2, /^error: --max-items: expected a positive integer, got 0$/, () => ({ args: ["generate", "-c", config, "-o", run, "-n", "0"] })],
  ["--shard 0/3", 2, /^error: --shard: expected i\/n with 1 <= i <= n, got "0\/3"$/, () => ({ args: ["generate", "-c", config, "-o", run, "--shard", "0/3"] })],
  ["--shard 3/2", 2, /^error: --shard: expected i\/n with 1 <= i <= n, got "3\/2"$/, () => ({ args: ["generate", "-c", config, "-o", run, "--shard", "3/2"] })],
  ["an unknown --types entry", 2, /^error: unknown scenario type "toolusage" in --types \(did you mean tool_usage\?\)/, () => ({ args: ["generate", "-c", config, "-o", run, "--types", "toolusage"] })],
  ["--concurrency 0", 2, /^error: --concurrency: expected a positive integer, got 0$/, () => ({ args: ["generate", "-c", config, "-o", run, "--concurrency", "0"] })],
  ["--min-quality 1.5", 2, /^error: --min-quality: expected a number from 0 to 1, got 1\.5$/, () => ({ args: ["generate", "-c", config, "-o", run, "--min-quality", "1.5"] })],
  ["a scenario file naming an unknown tool", 2, /^error: .*bad-tool\.yaml:\d+:\d+: scenario tool_usage\/custom names unknown tool web_serch \(did you mean web_search\?\)/, () => {
    const extra = dir.path("catalog-bad-tool")
    dir.write("catalog-bad-tool/bad-tool.yaml", `type: tool_usage\nscenarios:\n  - id: custom\n    title: t\n    domain: d\n    goal: g\n    tools: [web_serch]\n    variations:\n      - {kind: straightforward, request: r, expect: e}\n      - {kind: chained, request: r, expect: e}\n      - {kind: trouble, trouble: no_tool, request: r, expect: e}\n`)
    return { args: ["generate", "-c", dir.write("catalog-bad-tool.yaml", fastConfig(`catalog:\n  dirs: [${extra}]\n`)), "-o", run] }
  }],
  ["a catalogue file with a duplicate id", 2, /^error: .*again\.yaml:\d+:\d+: scenario web_research\/\S+ is already defined at/, () => {
    dir.write("catalog-dup/again.yaml", "type: web_research\nscenarios:\n  - id: python-runtime-end-of-life\n    title: t\n    domain: d\n    goal: g\n    tools: [web_search]\n    variations:\n      - {kind: straightforward, request: r, expect: e}\n      - {kind: chained, request: r, expect: e}\n      - {kind: trouble, trouble: no_tool, request: r, expect: e}\n")
    return { args: ["generate", "-c", dir.write("catalog-dup.yaml", fastConfig(`catalog:\n  dirs: [${dir.path("catalog-dup")}]\n`)), "-o", run] }
  }],
  ["an output directory that cannot be written", 2, /^error: cannot write the run directory: .*not-a-dir is not a directory; choose another --output$/, () => ({ args: ["generate", "-c", config, "-o", `${dir.write("not-a-dir", "x")}/run`] })],
  ["a directory holding another configuration's data", 2, /^error: .* holds data generated with another configuration \(seed: 42 → 9\); resume with the same settings \(--seed 42\), .*--force/, () => ({ args: ["generate", "-c", config, "-o", run, "--seed", "9"] })],
  ["a corrupted dataset.jsonl in the middle", 2, /^error: .*dataset\.jsonl line 2 is not valid JSON .*nothing was changed$/, () => {
    const copy = copyOfRun()
    const lines = jsonlLines(`${copy}/dataset.jsonl`)
    writeFileSync(`${copy}/dataset.jsonl`, [lines[0], "{\"id\": \"cut", ...lines.slice(1)].join("\n") + "\n")
    return { args: ["generate", "-c", config, "-o", copy, "-n", "8"], watch: copy }
  }],
  ["no provider key and no local server", 2, /^error: no provider is configured: set GROQ_API_KEY/, () => ({ args: ["generate", "-c", config, "-o", run], env: {} })],
  ["an invalid key", 2, /^error: no provider can take requests: groq refused the key \(401: Invalid API Key\); check GROQ_API_KEY$/, () => ({ args: ["generate", "-c", config, "-o", run, "-n", "8"], env: { ...env, GROQ_API_KEY: "gsk_wrong_key_00" } })],
  ["a base URL that is not a URL", 2, /^error: GROQ_BASE_URL: expected an http\(s\) URL/, () => ({ args: ["generate", "-c", config, "-o", run], env: { ...env, GROQ_BASE_URL: "api.groq.com" } })],
  ["--model without --provider", 2, /^error: --model and --base-url set one provider's: add --provider NAME/, () => ({ args: ["generate", "-c", config, "-o", run, "--model", "x"] })],
  ["export of a directory without a run", 2, /^error: .*no-run has no dataset\.jsonl/, () => ({ args: ["export", dir.path("no-run"), "--format", "hf", "--out", dir.path("x.jsonl")] })],
  ["a misspelt flag", 2, /^error: unknown option --max-item \(did you mean --max-items\?\); see agentic-synth generate --help$/, () => ({ args: ["generate", "-c", config, "-o", run, "--max-item", "5"] })],
  ["a built-in flag after the command", 2, /^error: --log-level goes before the command: agentic-synth --log-level debug generate -c \S+ -o \S+$/, () => ({ args: ["generate", "-c", config, "-o", run, "--log-level", "debug"] })],
  ["a flag without its value", 2, /^error: --max-items needs a value \(see agentic-synth generate --help\)$/, () => ({ args: ["generate", "-c", config, "-o", run, "--max-items"] })],
  ["an unknown export format", 2, /^error: --format 'jsonl' is not one of openai, sharegpt, hf \(see agentic-synth export --help\)$/, () => ({ args: ["export", run, "--format", "jsonl", "--out", dir.path("y.jsonl")] })],
  ["an unknown export format given after another flag's value, and before the required --out", 2, /^error: --format 'foo' is not one of openai, sharegpt, hf \(see agentic-synth export --help\)$/, () => ({ args: ["export", "--types", "web_research", "-f", "foo", run] })],
  ["export --types with a typo", 2, /^error: --types web_reserch: no record of that type in .* \(did you mean web_research\?\); the runs hold /, () => ({ args: ["export", run, "--format", "hf", "--types", "web_reserch", "--out", dir.path("typo.jsonl")] })],
  ["export --out an existing directory", 2, /^error: --out .*a-dir is a directory; give a file path such as /, () => ({ args: ["export", run, "--format", "hf", "--out", dir.mkdir("a-dir")] })]
]

describe("bad input: one clear line, the documented exit code, no stack trace, data untouched", () => {
  it("covers at least 15 kinds of bad input", () => expect(cases.length).toBeGreaterThanOrEqual(15))

  for (const [name, exit, message, setup] of cases) {
    it(name, async () => {
      const { args, env: environment, watch } = setup()
      const watched = watch ?? run
      const data = () => treeHash(`${watched}/dataset.jsonl`) + treeHash(`${watched}/rejected.jsonl`)
      const before = data()
      const result = await cli(args, environment ?? env)
      expect(result.code, result.stderr).toBe(exit)
      expect(result.stderr.split("\n")).toHaveLength(1)
      expect(result.stderr).toMatch(message)
      expect(result.stderr).not.toMatch(/\n\s+at |Error: |internal error/)
      expect(data()).toBe(before)
    })
  }

  it("a --types entry the runs do not hold and that is no near miss is written, and said", async () => {
    const result = await cli(["export", run, "--format", "openai", "--types", "some_custom_type", "--out", dir.path("none.jsonl")])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^wrote 0 openai records/)
    expect(result.stdout).toMatch(/^note: no record of type some_custom_type in these runs$/m)
  })

  it("an export refused after reading (a --types typo) leaves no file, not even a partial one", async () => {
    const out = dir.path("refused.jsonl")
    const type = JSON.parse(jsonlLines(`${run}/dataset.jsonl`)[0]!).scenario.type as string
    expect((await cli(["export", run, "--format", "openai", "--types", type.slice(0, -1), "--out", out])).code).toBe(2)
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false)
  })
})
