import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Stream } from "effect"
import { SinkError } from "./SinkError.js"

export interface ScanResult {
  /** Complete, valid lines. */
  readonly lines: number
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  readonly cut: number
}

const NEWLINE = 10

/**
 * Reads a JSONL file line by line (streaming, constant memory), handing each parsed line to `onLine`.
 * A last line without its newline is what a crash mid-write leaves: it is cut off the file, never
 * passed on. A complete line that does not parse is damage: the scan fails and changes nothing.
 * A missing file reads as empty.
 */
export const scanJsonl = <E = never>(
  path: string,
  onLine: (value: unknown) => Effect.Effect<void, E> | void,
  /** Leave a torn last line in place (readers such as export must not change a run directory). */
  options: { readonly readOnly?: boolean } = {}
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false)))) return { lines: 0, cut: 0 } satisfies ScanResult
    const decoder = new TextDecoder()
    let pending: Uint8Array = new Uint8Array(0)
    let offset = 0 // bytes of complete lines so far
    let lines = 0
    const fail = (message: string) => new SinkError({ reason: "Corrupt", message })
    const line = (bytes: Uint8Array): Effect.Effect<void, SinkError | E> => {
      const text = decoder.decode(bytes)
      offset += bytes.length + 1
      if (text.trim() === "") return Effect.void
      lines++
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return Effect.fail(fail(`${path} line ${lines} is not valid JSON (${JSON.stringify(text.slice(0, 40))}...); repair or remove that line, nothing was changed`))
      }
      return onLine(value) ?? Effect.void
    }
    yield* fs.stream(path, { chunkSize: 1 << 20 }).pipe(
      Stream.mapError((error) => new SinkError({ reason: "Unwritable", message: `cannot read ${path} (${error.message})` })),
      Stream.runForEach((chunk) =>
        Effect.gen(function*() {
          let start = 0
          let data = chunk
          if (pending.length > 0) {
            const joined = new Uint8Array(pending.length + chunk.length)
            joined.set(pending)
            joined.set(chunk, pending.length)
            data = joined
          }
          for (let i = data.indexOf(NEWLINE); i >= 0; i = data.indexOf(NEWLINE, start)) {
            yield* line(data.subarray(start, i))
            start = i + 1
          }
          pending = data.slice(start)
        })
      )
    )
    if (pending.length > 0 && options.readOnly !== true) {
      yield* fs.truncate(path, offset).pipe(
        Effect.mapError((error) => new SinkError({ reason: "Unwritable", message: `cannot cut the torn last line of ${path} (${error.message})` }))
      )
    }
    return { lines, cut: pending.length } satisfies ScanResult
  })
