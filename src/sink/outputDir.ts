import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect } from "effect"

export type DirState = "exists" | "will be created"

/**
 * Checks that a run directory can be written: an existing directory takes a probe file, a missing one
 * needs its nearest existing parent to take one. Writes nothing that stays.
 */
export const probeWritable = (dir: string): Effect.Effect<DirState, string, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    let target = path.resolve(dir)
    let state: DirState = "exists"
    while (true) {
      const info = yield* fs.stat(target).pipe(Effect.option)
      if (info._tag === "Some") {
        if (info.value.type !== "Directory") return yield* Effect.fail(`${target} is not a directory`)
        break
      }
      state = "will be created"
      const parent = path.dirname(target)
      if (parent === target) return yield* Effect.fail(`no existing parent directory of ${dir}`)
      target = parent
    }
    const probe = path.join(target, `.agentic-synth-probe-${process.pid}-${Date.now()}`)
    yield* fs.writeFileString(probe, "").pipe(
      Effect.mapError((error) => `cannot write in ${target} (${error._tag === "SystemError" ? error.reason : error.message})`)
    )
    yield* fs.remove(probe).pipe(Effect.ignore)
    return state
  })
